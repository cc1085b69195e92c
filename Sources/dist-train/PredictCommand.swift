import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train predict`: writes one Challenge output file per record of a dataset (codes, decisions from the
/// checkpoint's thresholds, probabilities), every rank of an MPI job writing the files of its own share.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Write Challenge output files of a checkpoint's predictions, one per record, data-parallel over MPI ranks.",
        discussion: """
            Every record is classified from its first window of the checkpoint's length, normalised as in \
            training (the checkpoint says how: by default each lead centred, in millivolts), and written to <out>/<record id>.csv: '#<record id>', the class codes, 0/1 decisions (above \
            the checkpoint's threshold of each class) and the probabilities. `dist-train score --labels <record \
            directory> --outputs <out>` scores them as the official scorer does. For a single-label checkpoint \
            the decisions are one 1 at the largest output and the probabilities a softmax. The network's leads \
            are picked by name from the records (a lead-II network reads lead II of 12-lead records). A record \
            directory given as --data is prepared at the checkpoint's rate and leads into the cache first. Every \
            record gets an output file: a flat lead is zero, as in training; a record without one of the \
            network's leads is an error naming it; a record that cannot be read is an error unless \
            --skip-unreadable, when the run lists the records without an output. A prepared dataset whose \
            classes or rate differ from the checkpoint's, or that lacks its leads, is refused.
            """)

    @Option(help: "A checkpoint written by dist-train train (step-<step>.nc or best.nc).")
    var checkpoint: String

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Directory for the output files (created if needed).")
    var out: String

    @Option(help: "Records to predict: all, train, validation or test.")
    var split: SplitSelection = .all

    @Option(help: "Records per forward pass on each rank.")
    var batchSize = EvaluateCommand.defaultBatchSize

    @Flag(help: "Go on without records that cannot be read at all, and list them (by default they are an error).")
    var skipUnreadable = false

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var timeout: CollectiveTimeoutOption

    @OptionGroup var arithmetic: PrecisionOption

    func validate() throws {
        guard dataOptions.data != nil else {
            throw ValidationError("predict needs --data: a directory of WFDB records or a prepared dataset (.nc).")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
    }

    func run() throws {
        let world = try timeout.world()
        do {
            try predict(world)
            try world.finalize()
        } catch {
            Failure.abort(world, message: "predict: \(error)", error: error)
        }
    }

    private func predict(_ world: Communicator) throws {
        let threads = threading.apply(ranksOnNode: world.localSize, rank: world.rank)
        let inference = try CheckpointInference(checkpointPath: checkpoint, data: dataOptions, split: split, group: world,
                                                skipUnreadable: skipUnreadable)
        let task = inference.checkpoint.metadata.task
        inference.model.precision = arithmetic.resolved()
        let records = inference.recordIndices.map { inference.dataset.records[$0] }
        let duplicates = Dictionary(grouping: records.map(\.id), by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        guard duplicates.isEmpty else {
            throw InferenceInputError.duplicateRecordIDs(dataset: inference.dataset.url.path,
                                                         examples: Array(duplicates.prefix(5)))
        }
        let directory = URL(fileURLWithPath: out)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ChallengeFormatError.unwritable(file: directory.path, reason: error.localizedDescription)
        }
        if world.rank == 0 {
            print("predict: " + inference.describe(split: split, worldSize: world.size, threads: threads))
        }
        let share = DistributedEvaluation.share(of: Array(records.indices), rank: world.rank, size: world.size,
                                                batchSize: batchSize)
        var progress = InferenceProgress(label: "predict", totalRecords: records.count, worldSize: world.size)
        let (probabilities, targets) = try DistributedEvaluation.score(
            model: inference.model, source: inference.samples, indices: share, batchSize: batchSize,
            softmax: task.labelKind == .singleLabel, progress: { done, count in if world.rank == 0 { progress.show(done: done, shareCount: count) } })
        let ids = share.map { records[$0].id }
        if task.labelKind == .multiLabel {
            let predictions = try ModelPredictions(probabilities: probabilities, targets: targets, classes: task.multiLabelClasses)
            for output in try predictions.challengeOutputs(recordIDs: ids, thresholds: inference.thresholds) {
                try ChallengeOutputWriter.write(output, into: directory)
            }
        } else {
            try Self.writeSingleLabelOutputs(ids: ids, probabilities: probabilities, task: task, into: directory)
        }
        var written = [Double(ids.count)]
        try written.withUnsafeMutableBufferPointer { try world.allReduceSum($0) }
        if world.rank == 0 {
            print("predict: wrote \(Int(written[0])) output files (<record id>.csv) into \(directory.path)")
            reportOtherFiles(in: directory, written: Set(records.map(\.id)))
            if !inference.unreadable.isEmpty {
                print("predict: \(inference.unreadable.count) record(s) could not be read and have no output file (skipped as "
                      + "asked): " + inference.unreadable.map { "\($0.file) (\($0.reason))" }.joined(separator: ", "))
            }
        }
    }

    /// One file per record of a single-label task in the Challenge layout: `#<id>`, the class codes, 0/1
    /// decisions (one 1, at the largest output) and the softmax probabilities.
    static func writeSingleLabelOutputs(ids: [String], probabilities: [Float], task: ECGTask, into directory: URL) throws {
        let count = task.classes.count
        let predicted = SingleLabelScores.predictedClasses(outputs: probabilities, classCount: count)
        for (n, id) in ids.enumerated() {
            let row = probabilities[n * count ..< (n + 1) * count]
            let decisions = row.indices.map { $0 - row.startIndex == predicted[n] ? "1" : "0" }
            let text = "#\(id)\n" + task.classCodes.joined(separator: ",") + "\n" + decisions.joined(separator: ",") + "\n"
                + row.map { String(format: "%.6f", Double($0)) }.joined(separator: ",") + "\n"
            try ReportFileWriter.write(text, to: directory.appendingPathComponent(id + ".csv"))
        }
    }

    /// Notes output files in `directory` that this run did not write (a scorer reading the directory would count them).
    private func reportOtherFiles(in directory: URL, written: Set<String>) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let others = names.filter { $0.hasSuffix(".csv") && !written.contains(String($0.dropLast(4))) }
        if !others.isEmpty {
            print("predict: note: \(directory.path) also holds \(others.count) other .csv file(s) not written by this "
                  + "run, e.g. \(others.sorted().prefix(3).joined(separator: ", "))")
        }
    }
}
