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
            into --out (default: evaluation-<split>/ beside the checkpoint). A dataset whose classes, \
            sampling rate or leads differ from the checkpoint's is refused; a record directory given as \
            --data is prepared at the checkpoint's rate.
            """)

    @Option(help: "A checkpoint written by dist-train train (step-<step>.nc or best.nc).")
    var checkpoint: String

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Records to score: test, validation, train or all.")
    var split: SplitSelection = .test

    @Option(help: "Weights of the Challenge metric: 2020 (24 classes) or 2021 (26 classes).")
    var weights: ScoreCommand.Weights = .challenge2020

    @Option(help: "Directory for the report files (default: evaluation-<split> beside the checkpoint).")
    var out: String?

    @Option(help: "Records per forward pass on each rank.")
    var batchSize = EvaluateCommand.defaultBatchSize

    @OptionGroup var threading: ThreadOptions

    /// Records per forward pass unless `--batch-size` says otherwise.
    static let defaultBatchSize = 16

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
    }

    func run() throws {
        let world = try Communicator.world()
        do {
            try evaluate(world)
            try world.finalize()
        } catch {
            Failure.abort(world, message: "evaluate: \(error)", error: error)
        }
    }

    private func evaluate(_ world: Communicator) throws {
        let threads = threading.apply(ranksOnNode: world.localSize, rank: world.rank)
        let inference = try CheckpointInference(checkpointPath: checkpoint, data: dataOptions, split: split, group: world)
        if world.rank == 0 {
            print("evaluate: " + inference.describe(split: split, worldSize: world.size, threads: threads))
        }
        let started = Date()
        var progress = InferenceProgress(label: "evaluate", totalRecords: inference.recordIndices.count,
                                         worldSize: world.size)
        let gathered = try DistributedEvaluation.gather(
            model: inference.model, source: inference.samples, indices: Array(inference.recordIndices.indices),
            group: world, batchSize: batchSize,
            progress: { done, shareCount in if world.rank == 0 { progress.show(done: done, shareCount: shareCount) } })
        guard let (probabilities, targets) = gathered else { return }
        let seconds = Date().timeIntervalSince(started)
        let classes = ChallengeClasses.challenge2020
        let predictions = try ModelPredictions(probabilities: probabilities, targets: targets, classes: classes)
        let records = inference.recordIndices.map { inference.dataset.records[$0] }
        let scoring = try predictions.scoringRecords(thresholds: inference.thresholds,
                                                     scoring: weights.scoringClasses, records: records)
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

    /// `--out`, or `evaluation-<split>` in the checkpoint's directory.
    private var outputDirectory: URL {
        if let out { return URL(fileURLWithPath: out) }
        return URL(fileURLWithPath: checkpoint).deletingLastPathComponent()
            .appendingPathComponent("evaluation-\(split.rawValue)")
    }
}
