import DistTensor
import Foundation

/// The end-of-training report: best.nc (or the final network when no validation picked one) scored on the test
/// split, printed by rank 0 and written with the learning curves into `<checkpoint-dir>/report/`, so a user can
/// look instead of read: for a multi-label task the per-class table and macro numbers with the tuned thresholds
/// (text, JSON, CSV and SVG; a class list without Challenge weights at 0.5 and without the Challenge metric), for a single-label one the per-class table, the CinC 2017 score where it applies
/// and the confusion matrix (text, JSON and an SVG heat map).
struct TrainingReport {
    let model: any ECGModel
    let dataset: ECGDataset
    /// The metric that picked best.nc.
    let selection: ValidationMetric
    let windowLength: Int
    let normalization: SignalNormalization
    let world: ProcessGroup
    let batchSize: Int
    let checkpoints: CheckpointDirectory
    let history: TrainingHistory
    /// Thresholds of the final network, used when there is no best.nc.
    let fallbackThresholds: [Double]
    /// Rank 0's messages.
    let output: (String) -> Void

    func write() throws {
        let folder = checkpoints.url.appendingPathComponent("report")
        var thresholds = fallbackThresholds
        var evaluated = "the final network"
        if FileManager.default.fileExists(atPath: checkpoints.bestURL.path) {
            let best = try CheckpointReader(url: checkpoints.bestURL)
            try best.restore(into: model, optimizer: nil)
            thresholds = best.metadata.thresholds
            evaluated = "best.nc (step \(best.metadata.globalStep), validation \(selection) "
                + ValidationRound.format(best.metadata.validationMetric ?? .nan) + ")"
        }
        if world.rank == 0 {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if !history.entries.isEmpty {
                try LearningCurvePlot.svg(history).write(to: folder.appendingPathComponent("learning-curves.svg"))
                try ReportFileWriter.write(String(decoding: try history.jsonData(), as: UTF8.self),
                                           to: folder.appendingPathComponent("history.json"))
            }
        }
        let testRecords = dataset.indices(in: .test)
        guard !testRecords.isEmpty else {
            if world.rank == 0 { output("dist-train: the dataset has no test split; report: \(folder.path)") }
            return
        }
        let source = try ECGDatasetSamples(dataset: dataset, recordIndices: testRecords, windowLength: windowLength, mode: .evaluation,
                                            normalization: normalization)
        guard let (probabilities, targets) = try DistributedEvaluation.gather(
            model: model, source: source, indices: Array(0..<source.count), group: world, batchSize: batchSize,
            softmax: dataset.task.labelKind == .singleLabel) else { return }
        let task = dataset.task
        if task.labelKind == .singleLabel {
            let classCount = task.classes.count
            let scores = try SingleLabelScores(
                trueClasses: SingleLabelScores.trueClasses(targets: targets, classCount: classCount),
                predictedClasses: SingleLabelScores.predictedClasses(outputs: probabilities, classCount: classCount),
                classes: task.classCodes)
            let report = SingleLabelReport(title: "Test split (\(testRecords.count) records)", scores: scores)
            try report.write(to: folder, stem: "test")
            output("\ntest split (\(testRecords.count) records), \(evaluated):\n\(report.text)")
            output("dist-train: report (test.txt/.json, test-confusion.svg, learning-curves.svg, history.json) in \(folder.path)")
            return
        }
        let classes = task.multiLabelClasses
        let predictions = try ModelPredictions(probabilities: probabilities, targets: targets, classes: classes)
        let decision = try DecisionThresholds(codes: dataset.classCodes, values: thresholds)
        // Labels from the records' Dx codes, as `evaluate` and the official scorer read them.
        let records = try predictions.scoringRecords(thresholds: decision, scoring: classes.scoring,
                                                     records: testRecords.map { dataset.records[$0] })
        let report = EvaluationReport(records: records, thresholds: decision)
        try report.write(into: folder, baseName: "test")
        try ClassMetricBarChart.svg(report, title: "Test split: per-class AUROC and F-measure")
            .write(to: folder.appendingPathComponent("test-per-class.svg"))
        let decided = classes.scoring.hasWeights ? "with its tuned thresholds" : "at thresholds 0.5"
        output("\ntest split (\(testRecords.count) records), \(evaluated) \(decided):\n\(report.text())")
        output("dist-train: report (test.txt/.json/.csv, test-per-class.svg, learning-curves.svg, history.json) in \(folder.path)")
    }
}
