import Foundation

/// The checkpoints of one run in one directory: `step-<step>.nc` files of which the newest `keepLast` are kept, and
/// `best.nc`, the checkpoint with the highest validation Challenge metric so far.
///
/// `best.nc` is a hard link to the step file it was when it became best (a copy where the file system has no hard
/// links): it costs no space, it is replaced atomically (link to a temporary name, then rename), and it outlives
/// the pruning of its step file because both names point at the same data. Only one job may write a directory at
/// a time: temporary files of a writer that was killed are deleted by the next job.
public struct CheckpointDirectory: Sendable {
    public let url: URL
    /// How many step files to keep (at least 1).
    public let keepLast: Int

    /// The name of the best checkpoint's link.
    public static let bestFileName = "best.nc"

    /// The checkpoints in `url`, keeping the newest `keepLast` step files (at least 1).
    public init(url: URL, keepLast: Int) {
        self.url = url
        self.keepLast = max(1, keepLast)
    }

    /// `step-000120.nc` (six digits or more).
    public func fileURL(step: Int) -> URL {
        url.appendingPathComponent("step-" + String(format: "%06d", step) + ".nc")
    }

    /// The best checkpoint's path (it may not exist yet).
    public var bestURL: URL { url.appendingPathComponent(Self.bestFileName) }

    /// The step files present, oldest first (ordered by the step in their name).
    public func stepFiles() -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".nc"),
                  let step = Int(name.dropFirst(5).dropLast(3)), step >= 0 else { return nil }
            return (step, url.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    /// Deletes what killed writers left behind (NetCDF's atomic writes and the best link use hidden
    /// `.<name>.nc.tmp-…` names) and returns the deleted files.
    public func removeLeftoverTemporaryFiles() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        let leftovers = names.filter { $0.hasPrefix(".") && $0.contains(".nc.tmp-") }.map { url.appendingPathComponent($0) }
        for file in leftovers { _ = unlink(file.path) }
        return leftovers
    }

    /// Writes the checkpoint of `step` with `write` (which must write atomically to the URL it is given), makes it
    /// `best.nc` if its `validationMetric` beats the best so far, and deletes step files beyond the newest `keepLast`.
    /// Returns what happened, for the log.
    @discardableResult
    public func save(step: Int, validationMetric: Double?, write: (URL) throws -> Void) throws -> CheckpointSaveOutcome {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.fileSystem(path: url.path, operation: "creating the checkpoint directory", detail: "\(error)")
        }
        let file = fileURL(step: step)
        try write(file)
        var becameBest = false
        if let validationMetric, !validationMetric.isNaN, try isBetterThanBest(validationMetric) {
            try link(file, as: bestURL)
            becameBest = true
        }
        let stale = stepFiles().dropLast(keepLast).map(\.url)
        for old in stale {
            guard unlink(old.path) == 0 || errno == ENOENT else {
                throw CheckpointError.fileSystem(path: old.path, operation: "deleting an old checkpoint",
                                                 detail: String(cString: strerror(errno)))
            }
        }
        return CheckpointSaveOutcome(file: file, becameBest: becameBest, removed: stale)
    }

    /// Opens the newest step file `open` accepts, newest first. Files that are damaged (truncated, corrupt, not a
    /// checkpoint) are skipped and their reasons returned; any other error (another model, say) is thrown. Nil if
    /// the directory has no step files; `CheckpointError.noUsableCheckpoint` if it has some but all are damaged.
    public func newestUsable<Opened>(_ open: (URL) throws -> Opened) throws -> (opened: Opened, skipped: [String])? {
        let files = stepFiles()
        var skipped: [String] = []
        for (_, file) in files.reversed() {
            do {
                return (try open(file), skipped)
            } catch let error as CheckpointError where error.meansDamagedFile {
                skipped.append(error.description)
            }
        }
        guard files.isEmpty else { throw CheckpointError.noUsableCheckpoint(directory: url.path, reasons: skipped) }
        return nil
    }

    private func isBetterThanBest(_ metric: Double) throws -> Bool {
        guard FileManager.default.fileExists(atPath: bestURL.path) else { return true }
        // A damaged best.nc is replaced rather than trusted.
        guard let best = try? CheckpointReader(url: bestURL).metadata.validationMetric else { return true }
        return metric > best
    }

    /// Makes `name` another name of `file`, atomically: a hard link (or a copy) under a temporary name, then rename,
    /// then a directory fsync so the new name survives a power loss.
    private func link(_ file: URL, as name: URL) throws {
        let temporary = url.appendingPathComponent(".\(name.lastPathComponent).tmp-\(getpid())")
        _ = unlink(temporary.path)
        if Foundation.link(file.path, temporary.path) != 0 {
            do {
                try FileManager.default.copyItem(at: file, to: temporary)
            } catch {
                throw CheckpointError.fileSystem(path: temporary.path, operation: "linking or copying \(file.lastPathComponent)",
                                                 detail: "\(error)")
            }
        }
        guard rename(temporary.path, name.path) == 0 else {
            let detail = String(cString: strerror(errno))
            _ = unlink(temporary.path)
            throw CheckpointError.fileSystem(path: name.path, operation: "renaming \(temporary.lastPathComponent)", detail: detail)
        }
        let directory = open(url.path, O_RDONLY | O_DIRECTORY)
        if directory >= 0 {
            defer { _ = close(directory) }
            guard fsync(directory) == 0 else {
                throw CheckpointError.fileSystem(path: url.path, operation: "fsync of the directory",
                                                 detail: String(cString: strerror(errno)))
            }
        }
    }
}

/// What `CheckpointDirectory.save` did.
public struct CheckpointSaveOutcome: Sendable {
    /// The step file written.
    public let file: URL
    /// Whether it became `best.nc`.
    public let becameBest: Bool
    /// Older step files deleted to keep the newest `keepLast`.
    public let removed: [URL]
}
