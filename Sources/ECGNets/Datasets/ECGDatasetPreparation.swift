import DistTensor
import Foundation

/// Prepares a dataset file from a directory of WFDB records or from the simulator: every record is read, checked,
/// reduced to the task's leads (a flat or missing one zeroed and masked), resampled, optionally band-passed,
/// labelled and quantised (see `ECGRecordPreparation`), records that cannot be used are skipped and reported, the
/// kept ones get a stratified split, and the file is written atomically (it appears under its name only when
/// complete).
///
/// Records are processed in blocks of `blockSize`, each block spread over `Parallel.threadCount` threads and then
/// appended to the file, so memory holds one block of signals at a time (plus the small index), whatever the
/// number of records.
public struct ECGDatasetPreparation: Sendable {
    public let options: ECGDatasetPreparationOptions
    /// Records decoded in parallel before being written.
    public let blockSize: Int
    private let recordPreparation: ECGRecordPreparation

    /// A preparation with checked `options`.
    public init(options: ECGDatasetPreparationOptions = ECGDatasetPreparationOptions(), blockSize: Int = 64)
        throws(ECGDatasetPreparationError) {
        self.options = options
        self.blockSize = max(1, blockSize)
        recordPreparation = try ECGRecordPreparation(options: options)
    }

    /// Prepares the records of `source` into a dataset file at `url`; `progress` is called after each block.
    public func prepare(_ source: ECGDatasetSource, to url: URL,
                        progress: (ECGDatasetPreparationProgress) -> Void = { _ in })
        throws(ECGDatasetPreparationError) -> ECGDatasetPreparationSummary {
        let started = Date()
        let (items, tree, scan) = try items(of: source)
        var skips: [ECGRecordSkip] = (scan?.headersOutside ?? []).map { header in
            let error = WFDBRecordError.outsideDataDirectory(header: header, file: header.lastPathComponent,
                                                             tree: tree?.root ?? header)
            return ECGRecordSkip(file: header.path, reason: .outsideDataDirectory, message: error.description)
        }
        let notices = (scan?.foldersNotFollowed ?? []).map { "\($0.folder.path.sanitizedForDisplay) is \($0.reason)" }
        guard !items.isEmpty else {
            throw .noRecords(source: source.description, notes: notices + skips.map(\.message))
        }
        var splitCounts: [DatasetSplit: Int] = [:]
        var unlabelled = 0, clipped = 0
        var masked: [ECGMaskedLeadRecord] = []
        var warnings: [ECGRecordFinding] = []
        do {
            try NetCDFFile.writeAtomically(to: url) { file in
                var writer = try ECGDatasetWriter(file: file, options: options)
                for blockStart in stride(from: 0, to: items.count, by: blockSize) {
                    let block = Array(items[blockStart..<min(items.count, blockStart + blockSize)])
                    for outcome in prepareInParallel(block) {
                        switch outcome {
                        case let .success(record):
                            if record.leadMask.contains(0) {
                                masked.append(ECGMaskedLeadRecord(
                                    recordID: record.id, leads: zip(options.leads, record.leadMask).filter { $0.1 == 0 }.map(\.0),
                                    problems: record.maskedLeadProblems))
                            }
                            warnings += record.warnings
                            try writer.append(record)
                        case let .failure(skip): skips.append(skip)
                        }
                    }
                    progress(ECGDatasetPreparationProgress(recordsDone: blockStart + block.count,
                                                           recordsTotal: items.count, recordsSkipped: skips.count,
                                                           seconds: Date().timeIntervalSince(started)))
                }
                guard !writer.records.isEmpty else {
                    throw ECGDatasetPreparationError.noUsableRecords(source: source.description, skips: skips)
                }
                let labels = writer.records.flatMap(\.labels)
                let fractions = DatasetSplit.allCases.map(options.splitFractions.fraction(of:))
                let split = IterativeStratification.assign(labels: labels, labelCount: recordPreparation.task.classes.count,
                                                           fractions: fractions, seed: options.splitSeed)
                    .map { DatasetSplit(rawValue: Int8($0)) ?? .train }
                for part in split { splitCounts[part, default: 0] += 1 }
                unlabelled = writer.records.filter { !$0.labels.contains(1) }.count
                clipped = writer.records.reduce(0) { $0 + $1.clippedSamples }
                try writer.finish(split: split, skips: skips,
                                  attributes: attributes(source: source, recordCount: writer.records.count,
                                                         clipped: clipped, masked: masked.count, skips: skips,
                                                         warnings: warnings))
            }
        } catch let error as ECGDatasetPreparationError {
            throw error
        } catch {
            throw .writeFailed(url, reason: "\(error)")
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
        return ECGDatasetPreparationSummary(url: url, recordsRead: items.count + (scan?.headersOutside.count ?? 0), recordsPerSplit: splitCounts,
                                            unlabelledRecords: unlabelled, clippedSamples: clipped,
                                            maskedLeadRecords: masked, skips: skips, warnings: warnings,
                                            notices: notices,
                                            bytes: bytes, seconds: Date().timeIntervalSince(started))
    }

    /// One record to prepare: a header file with its source folder and data tree, or a simulator record number.
    private enum Item: Sendable {
        case header(URL, source: String, tree: WFDBDataTree)
        case simulated(index: Int, simulator: ECGSimulator)
    }

    /// The records of `source`, in a fixed order (headers sorted by path), with the data tree and what its scan
    /// found for a directory.
    private func items(of source: ECGDatasetSource) throws(ECGDatasetPreparationError)
        -> (items: [Item], tree: WFDBDataTree?, scan: WFDBRecordDirectory.Scan?) {
        switch source {
        case let .directory(root):
            let tree = WFDBDataTree(root: root, followsSymlinksOutside: options.followsSymlinksOutside)
            let scan: WFDBRecordDirectory.Scan
            do {
                scan = try WFDBRecordDirectory.scan(tree, from: root)
            } catch {
                throw .unreadableSource(error)
            }
            let rootComponents = root.standardizedFileURL.pathComponents
            let items = scan.headers.map { header -> Item in
                let folder = header.deletingLastPathComponent().standardizedFileURL.pathComponents
                let relative = folder.starts(with: rootComponents) ? Array(folder.dropFirst(rootComponents.count)) : folder
                return .header(header, source: relative.isEmpty ? "." : relative.joined(separator: "/"), tree: tree)
            }
            return (items, tree, scan)
        case let .simulator(count, seed, _, _):
            guard count > 0 else { throw .invalidOption("the number of simulated records must be positive, not \(count)") }
            let simulator: ECGSimulator
            do {
                simulator = try ECGSimulator(seed: seed, configuration: source.simulatorConfiguration!)
            } catch {
                throw .invalidOption("\(error)")
            }
            return ((0..<count).map { .simulated(index: $0, simulator: simulator) }, nil, nil)
        }
    }

    /// Prepares `block` on `Parallel.threadCount` threads; outcomes in block order.
    private func prepareInParallel(_ block: [Item]) -> [Result<PreparedECGRecord, ECGRecordSkip>] {
        let outcomes = UnsafeMutableBufferPointer<Result<PreparedECGRecord, ECGRecordSkip>?>.allocate(capacity: block.count)
        outcomes.initialize(repeating: nil)
        defer {
            outcomes.deinitialize()
            outcomes.deallocate()
        }
        Parallel.forEachChunk(block.count) { range in
            for index in range { outcomes[index] = prepareItem(block[index]) }
        }
        return outcomes.compactMap { $0 }
    }

    private func prepareItem(_ item: Item) -> Result<PreparedECGRecord, ECGRecordSkip> {
        switch item {
        case let .header(url, source, tree):
            return recordPreparation.prepare(headerAt: url, source: source, tree: tree)
        case let .simulated(index, simulator):
            let id = String(format: "SIM%05d", index + 1)
            let record = simulator.record(at: index)
                .record(id: id, in: URL(fileURLWithPath: "simulator", isDirectory: true))
            return recordPreparation.prepare(record, source: "simulator", file: "simulator record \(id)")
        }
    }

    /// The global attributes of the file.
    private func attributes(source: ECGDatasetSource, recordCount: Int, clipped: Int, masked: Int, skips: [ECGRecordSkip],
                            warnings: [ECGRecordFinding]) -> [(String, NetCDFAttribute)] {
        var attributes: [(String, NetCDFAttribute)] = [
            ("Conventions", .text("CF-1.8")),
            ("title", .text("ECG records prepared for dist-train (\(options.task.summary))")),
            (ECGDatasetFormat.Attribute.format, .text(ECGDatasetFormat.name)),
            (ECGDatasetFormat.Attribute.version, .integer(ECGDatasetFormat.version)),
            (ECGDatasetFormat.Attribute.labelKind, .text(options.labels.labelKind.rawValue)),
            ("labels", .text(options.labels.description)),
            (ECGDatasetFormat.Attribute.samplingFrequency, .double(options.samplingFrequency)),
            ("sampling_frequency_units", .text("Hz")),
            ("resampling", .text("polyphase, equivalent to scipy.signal.resample_poly(x, up, down) with its defaults "
                + "(Kaiser window, beta 5.0, 20 * max(up, down) + 1 taps, zero padding)")),
            ("band_pass", .text(options.bandPass?.description ?? "none")),
            ("split_method", .text("iterative stratification over the labels (Sechidis et al. 2011)")),
            ("split_seed", .integer(Int64(bitPattern: options.splitSeed))),
            ("split_fractions", .doubles(DatasetSplit.allCases.map(options.splitFractions.fraction(of:)))),
            (ECGDatasetFormat.Attribute.preparationOptions, .text(options.canonicalDescription)),
            ("created", .text(ISO8601DateFormatter().string(from: Date()))),
            ("software", .text("dist-train (ECGNets)")),
            ("record_count", .integer(Int64(recordCount))),
            ("clipped_sample_count", .integer(Int64(clipped))),
            ("masked_lead_record_count", .integer(Int64(masked))),
            ("flat_leads", .text(options.dropsFlatLeads ? "records with a flat, NaN or missing lead are skipped"
                : "a flat, NaN or missing lead is stored as zeros and 0 in lead_mask")),
            ("skipped_record_count", .integer(Int64(skips.count))),
            ("record_name_mismatch_count", .integer(Int64(warnings.filter {
                if case .recordNameMismatch = $0 { return true } else { return false }
            }.count))),
            ("symbolic_links", .text(options.followsSymlinksOutside ? "followed wherever they lead"
                : "followed inside the data directory only")),
        ]
        switch source {
        case let .directory(url):
            attributes += [("source_kind", .text("WFDB directory")),
                           ("source_path", .text(url.standardizedFileURL.path.sanitizedForDisplay))]
        case let .simulator(count, seed, weights, artifacts):
            attributes += [("source_kind", .text("simulator")),
                           ("source_path", .text("ECGSimulator(seed: \(seed)), records 0..<\(count)"
                                + (weights.isEmpty ? "" : ", class weights " + ECGDatasetSource.text(of: weights))
                                + (artifacts ? ", recording faults" : "")))]
        }
        let counts = Dictionary(grouping: skips, by: \.reason).mapValues(\.count)
        for reason in ECGRecordSkipReason.allCases {
            attributes.append(("skipped_\(reason.rawValue)", .integer(Int64(counts[reason] ?? 0))))
        }
        return attributes
    }
}
