import Foundation

extension WFDBRecord {
    /// Reads the header at `url` and the samples of every signal from the signal files it names: Challenge MAT v4
    /// `.mat` files, and WFDB format 16 and 212 `.dat` files.
    ///
    /// A `.mat` file must be exactly as long as its MAT header says and hold one row per signal stored in it; a
    /// `.dat` file must hold at least the declared samples (extra bytes are ignored, as the WFDB library does).
    /// Checksums are not checked here: see `checksumFindings()`.
    ///
    /// Signal files are looked up beside the header (a name that differs only in letter case, such as `E07500.MAT`
    /// for `E07500.mat`, is accepted); a name with `..`, or a file whose real path lies outside `tree` (by default the
    /// header's folder), is refused before it is opened, so nothing about it is read. No file larger than
    /// `maximumSignalFileBytes` is read into memory, nor a record of more than `maximumSampleCount` samples decoded.
    public static func read(headerAt url: URL, tree: WFDBDataTree? = nil) throws(WFDBRecordError) -> WFDBRecord {
        let directory = url.deletingLastPathComponent()
        let tree = tree ?? WFDBDataTree(root: directory)
        guard tree.contains(url) else { throw .outsideDataDirectory(header: url, file: url.lastPathComponent, tree: tree.root) }
        let header = try WFDBHeader.read(from: url)
        var samples: [[Int16]] = []
        samples.reserveCapacity(header.signals.count)
        var lengthSource: (file: URL, count: Int)?
        for group in try signalFileGroups(header, headerURL: url) {
            let fileURL = try signalFileURL(group.fileName, header: url, tree: tree)
            let groupSamples = try readSignalFile(fileURL, signals: Array(header.signals[group.range]),
                                                  sampleCount: header.sampleCount, headerURL: url)
            let count = groupSamples.first?.count ?? 0
            if let lengthSource, lengthSource.count != count {
                throw .inconsistentSignalFile(fileURL, reason: "it holds \(count) samples per signal but "
                    + "\(lengthSource.file.lastPathComponent) holds \(lengthSource.count)")
            }
            lengthSource = (fileURL, count)
            samples.append(contentsOf: groupSamples)
            let total = samples.count * count
            guard total <= maximumSampleCount else {
                throw .tooManySamples(fileURL, samples: total, limit: maximumSampleCount)
            }
        }
        return WFDBRecord(header: header, headerURL: url, samples: samples)
    }

    /// Splits the signals into runs that share one signal file, checking that a file's signals are consecutive
    /// and agree on format and byte offset.
    private static func signalFileGroups(_ header: WFDBHeader, headerURL: URL) throws(WFDBRecordError)
        -> [(fileName: String, range: Range<Int>)] {
        var groups: [(fileName: String, range: Range<Int>)] = []
        for (index, signal) in header.signals.enumerated() {
            if let last = groups.last, last.fileName == signal.fileName {
                let first = header.signals[last.range.lowerBound]
                guard first.format == signal.format, first.byteOffset == signal.byteOffset else {
                    throw .inconsistentSignalFile(headerURL, reason: "signals \"\(first.leadName)\" and "
                        + "\"\(signal.leadName)\" share \(signal.fileName) but differ in format or byte offset")
                }
                groups[groups.count - 1].range = last.range.lowerBound..<(index + 1)
            } else {
                guard !groups.contains(where: { $0.fileName == signal.fileName }) else {
                    throw .inconsistentSignalFile(headerURL, reason: "the signals stored in \(signal.fileName) are "
                        + "not listed consecutively")
                }
                groups.append((signal.fileName, index..<(index + 1)))
            }
        }
        return groups
    }

    /// Samples a record may hold over all its signals (2^24: 12 leads of 46 minutes at 500 Hz; 32 MiB as int16).
    public static let maximumSampleCount = 1 << 24
    /// The largest signal file read: the bytes of `maximumSampleCount` int16 samples plus 1 MiB of headers.
    public static let maximumSignalFileBytes = 2 * maximumSampleCount + (1 << 20)

    /// The signal file `name` of the header at `header`: beside it (or below it), inside `tree`, with the exact
    /// name or else the only entry of its folder whose name differs just in letter case.
    static func signalFileURL(_ name: String, header: URL, tree: WFDBDataTree) throws(WFDBRecordError) -> URL {
        let components = name.split(separator: "/")
        guard !components.contains("..") else {
            throw .outsideDataDirectory(header: header, file: name, tree: tree.root)
        }
        var url = header.deletingLastPathComponent().appendingPathComponent(name)
        var status = stat()
        if lstat(url.path, &status) != 0 {
            let folder = url.deletingLastPathComponent()
            let wanted = url.lastPathComponent.lowercased()
            let matches = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.lowercased() == wanted }
            guard matches.count == 1 else { throw .missingSignalFile(header: header, signalFile: url) }
            url = folder.appendingPathComponent(matches[0])
        }
        guard tree.contains(url) else { throw .outsideDataDirectory(header: header, file: name, tree: tree.root) }
        return url
    }

    /// Reads the samples of `signals`, all stored in `fileURL`.
    private static func readSignalFile(_ fileURL: URL, signals: [WFDBSignalSpecification], sampleCount: Int?,
                                       headerURL: URL) throws(WFDBRecordError) -> [[Int16]] {
        var status = stat()
        guard stat(fileURL.path, &status) == 0 else {
            throw .missingSignalFile(header: headerURL, signalFile: fileURL)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadableFile(fileURL, reason: "it is not a regular file")
        }
        guard Int(status.st_size) <= maximumSignalFileBytes else {
            throw .oversizedFile(fileURL, bytes: Int(status.st_size), limit: maximumSignalFileBytes)
        }
        let data: Data
        do {
            data = try Data(contentsOf: fileURL)
        } catch {
            throw .unreadableFile(fileURL, reason: error.localizedDescription)
        }
        return try data.withUnsafeBytes { bytes in
            Result { () throws(WFDBRecordError) in
                try decode(bytes, file: fileURL, signals: signals, sampleCount: sampleCount, headerURL: headerURL)
            }
        }.get()
    }

    /// Decodes the samples of `signals` from the bytes of their signal file.
    private static func decode(_ bytes: UnsafeRawBufferPointer, file fileURL: URL, signals: [WFDBSignalSpecification],
                               sampleCount: Int?, headerURL: URL) throws(WFDBRecordError) -> [[Int16]] {
        let format = signals[0].format, byteOffset = signals[0].byteOffset
        if fileURL.pathExtension.lowercased() == "mat" {
            guard format == .format16 else {
                throw .unsupportedFormat(headerURL, signal: signals[0].leadName, format: "\(format.rawValue) in a "
                    + ".mat file")
            }
            let matrix = try MATv4Int16Matrix.parse(bytes, file: fileURL)
            guard matrix.rows == signals.count, sampleCount.map({ $0 == matrix.columns }) ?? true else {
                throw .matrixShapeMismatch(fileURL, rows: matrix.rows, columns: matrix.columns,
                                           expectedRows: signals.count, expectedColumns: sampleCount)
            }
            guard matrix.rows * matrix.columns <= maximumSampleCount else {
                throw .tooManySamples(fileURL, samples: matrix.rows * matrix.columns, limit: maximumSampleCount)
            }
            guard byteOffset == matrix.dataOffset else {
                throw .inconsistentSignalFile(fileURL, reason: "the header's byte offset +\(byteOffset) is not "
                    + "where the MAT matrix starts (+\(matrix.dataOffset))")
            }
            return WFDBSampleCodec.decode16(bytes, offset: matrix.dataOffset, signalCount: matrix.rows,
                                            sampleCount: matrix.columns, bigEndian: matrix.isBigEndian)
        }
        let count = sampleCount ?? format.sampleCount(inBytes: max(0, bytes.count - byteOffset)) / signals.count
        let expectedBytes: Int = {
            let (total, overflow) = count.multipliedReportingOverflow(by: signals.count)
            guard !overflow, total <= Int.max / 4 else { return Int.max }
            let (bytes, sumOverflow) = byteOffset.addingReportingOverflow(format.byteCount(forSamples: total))
            return sumOverflow ? Int.max : bytes
        }()
        guard expectedBytes <= bytes.count else {
            throw .signalFileTooShort(fileURL, expectedBytes: expectedBytes, actualBytes: bytes.count)
        }
        guard count * signals.count <= maximumSampleCount else {
            throw .tooManySamples(fileURL, samples: count * signals.count, limit: maximumSampleCount)
        }
        switch format {
        case .format16:
            return WFDBSampleCodec.decode16(bytes, offset: byteOffset, signalCount: signals.count, sampleCount: count)
        case .format212:
            return WFDBSampleCodec.decode212(bytes, offset: byteOffset, signalCount: signals.count, sampleCount: count)
        }
    }
}
