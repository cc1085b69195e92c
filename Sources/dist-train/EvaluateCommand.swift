import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train evaluate`: scores a checkpoint on the records of a dataset split with the official Challenge
/// metrics, every rank of an MPI job scoring a contiguous share, and writes the report at rank 0.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a checkpoint on a dataset split with the Challenge metrics, data-parallel over MPI ranks.",
        discussion: """
            Every record of the split is classified from its first window of the checkpoint's length, \
            normalised as in training (the checkpoint says how: by default each lead centred, in millivolts), \
            and called positive for a class above the checkpoint's threshold of it. \
            Labels are the records' header Dx codes, as the official scorer reads them, so the numbers equal \
            those of `dist-train score` on `dist-train predict`'s output files for the same records. The \
            ranks score contiguous shares; rank 0 gathers them, prints the macro numbers and the per-class \
            table, and writes evaluation.txt, evaluation.json, evaluation.csv and evaluation-classes.svg \
            into --out (default: evaluation-<split>/ beside the checkpoint). A single-label checkpoint (e.g. \
            CinC 2017's N, A, O, ~) is scored by its largest output instead: accuracy, per-class precision, \
            recall and F1, macro and weighted F1, the CinC 2017 score and the confusion matrix (evaluation.txt, \
            evaluation.json, evaluation-confusion.svg), labels from the directory's REFERENCE.csv. A multi-label \
            checkpoint of one's own SNOMED-CT class list (prepare --classes FILE) gets every number but the \
            Challenge metric, which needs a Challenge class list's weights (--weights does not apply). The network's \
            leads are picked by name (a lead-II network reads lead II of 12-lead records); a record directory \
            given as --data is prepared at the checkpoint's rate with its leads. A record without one of the \
            network's leads is an error naming it; a record that cannot be read is an error unless \
            --skip-unreadable, when the run lists the records left without a result. A dataset whose classes or \
            sampling rate differ from the checkpoint's, or that lacks its leads, is refused.
            """)

    @Option(help: "A checkpoint written by dist-train train (step-<step>.nc or best.nc).")
    var checkpoint: String

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Records to score: test, validation, train or all.")
    var split: SplitSelection = .test

    @Option(help: "Weights of the Challenge metric: 2020 (24 classes) or 2021 (26 classes); for a checkpoint of the Challenge classes.")
    var weights: ScoreCommand.Weights = .challenge2020

    @Option(help: "Directory for the report files (default: evaluation-<split> beside the checkpoint).")
    var out: String?

    @Option(help: "Records per forward pass on each rank.")
    var batchSize = EvaluateCommand.defaultBatchSize

    @Flag(help: "Go on without records that cannot be read at all, and list them (by default they are an error).")
    var skipUnreadable = false

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var timeout: CollectiveTimeoutOption

    @OptionGroup var arithmetic: PrecisionOption

    /// Records per forward pass unless `--batch-size` says otherwise.
    static let defaultBatchSize = 16

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
    }

    func run() throws {
        let world = try timeout.world()
        do {
            try evaluate(world)
            try world.finalize()
        } catch {
            Failure.abort(world, message: "evaluate: \(error)", error: error)
        }
    }

    private func evaluate(_ world: Communicator) throws {
        let threads = threading.apply(ranksOnNode: world.localSize, rank: world.rank)
        let inference = try CheckpointInference(checkpointPath: checkpoint, data: dataOptions, split: split, group: world,
                                                skipUnreadable: skipUnreadable)
        let task = inference.checkpoint.metadata.task
        inference.model.precision = arithmetic.resolved()
        if world.rank == 0 {
            print("evaluate: " + inference.describe(split: split, worldSize: world.size, threads: threads))
        }
        let started = Date()
        var progress = InferenceProgress(label: "evaluate", totalRecords: inference.recordIndices.count,
                                         worldSize: world.size)
        let gathered = try DistributedEvaluation.gather(
            model: inference.model, source: inference.samples, indices: Array(inference.recordIndices.indices),
            group: world, batchSize: batchSize, softmax: task.labelKind == .singleLabel,
            progress: { done, shareCount in if world.rank == 0 { progress.show(done: done, shareCount: shareCount) } })
        guard let (probabilities, targets) = gathered else { return }
        let seconds = Date().timeIntervalSince(started)
        if !inference.unreadable.isEmpty {
            print("evaluate: \(inference.unreadable.count) record(s) could not be read and have no result: "
                  + inference.unreadable.map(\.file).joined(separator: ", "))
        }
        if task.labelKind == .singleLabel {
            return try writeSingleLabel(task: task, probabilities: probabilities, targets: targets, inference: inference,
                                        seconds: seconds)
        }
        let classes = task.multiLabelClasses
        let predictions = try ModelPredictions(probabilities: probabilities, targets: targets, classes: classes)
        let records = inference.recordIndices.map { inference.dataset.records[$0] }
        let scoring = try predictions.scoringRecords(thresholds: inference.thresholds,
                                                     scoring: classes.scoring.hasWeights ? weights.scoringClasses : classes.scoring,
                                                     records: records)
        let report = EvaluationReport(records: scoring, thresholds: inference.thresholds)
        print("evaluate: scored \(records.count) records in \(String(format: "%.1f", seconds)) s "
              + "(\(String(format: "%.1f", Double(records.count) / max(seconds, 1e-9))) records/s)")
        print()
        print(report.text())
        let directory = outputDirectory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError.unwritable(file: directory.path, reason: error.localizedDescription)
        }
        var files = try report.write(into: directory, baseName: "evaluation")
        let chart = directory.appendingPathComponent("evaluation-classes.svg")
        try ClassMetricBarChart.svg(report, title: "Per-class AUROC and F-measure, \(split.rawValue) split "
                                    + "(\(records.count) records)").write(to: chart)
        files.append(chart)
        print("evaluate: wrote " + files.map(\.lastPathComponent).joined(separator: ", ") + " into \(directory.path)")
    }

    /// The single-label report of the gathered outputs; records without a reference label are refused.
    private func writeSingleLabel(task: ECGTask, probabilities: [Float], targets: [Float], inference: CheckpointInference,
                                  seconds: Double) throws {
        let classCount = task.classes.count
        let records = inference.recordIndices.map { inference.dataset.records[$0] }
        let unlabelled = records.filter { !$0.labels.contains(1) }.map(\.id)
        guard unlabelled.isEmpty else {
            throw ValidationError("\(unlabelled.count) record(s) have no label to score against (e.g. "
                                  + unlabelled.prefix(3).joined(separator: ", ") + "); put a REFERENCE.csv line for each "
                                  + "in the --data directory, or use dist-train predict.")
        }
        let scores = try SingleLabelScores(
            trueClasses: SingleLabelScores.trueClasses(targets: targets, classCount: classCount),
            predictedClasses: SingleLabelScores.predictedClasses(outputs: probabilities, classCount: classCount),
            classes: task.classCodes)
        let report = SingleLabelReport(title: "\(split.rawValue) split (\(records.count) records)", scores: scores)
        print("evaluate: scored \(records.count) records in \(String(format: "%.1f", seconds)) s")
        print()
        print(report.text)
        let directory = outputDirectory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError.unwritable(file: directory.path, reason: error.localizedDescription)
        }
        let files = try report.write(to: directory, stem: "evaluation")
        print("evaluate: wrote " + files.map(\.lastPathComponent).joined(separator: ", ") + " into \(directory.path)")
    }

    /// `--out`, or `evaluation-<split>` in the checkpoint's directory.
    private var outputDirectory: URL {
        if let out { return URL(fileURLWithPath: out) }
        return URL(fileURLWithPath: checkpoint).deletingLastPathComponent()
            .appendingPathComponent("evaluation-\(split.rawValue)")
    }
}
