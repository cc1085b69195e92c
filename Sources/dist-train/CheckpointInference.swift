import DistTensor
import ECGNets
import Foundation

/// What evaluate and predict share: a checkpoint's network and decision thresholds, the dataset resolved on every
/// rank (a record directory prepared for the checkpoint's task: its rate, its leads picked by name, its labels) and
/// checked against the checkpoint, and the records of the chosen split as evaluation samples (the first window of
/// the checkpoint's length, the checkpoint's leads picked by name, normalised as in training).
///
/// Every record given gets a result: a flat lead is zero (as in training), a record that lacks one of the network's
/// leads is an error naming the record and the lead, and a record that cannot be read at all is an error naming it
/// unless `skipUnreadable`, when `unreadable` lists the records without a result.
struct CheckpointInference {
    let checkpoint: CheckpointReader
    let model: any ECGModel
    let thresholds: DecisionThresholds
    let dataset: ECGDataset
    /// The dataset record index of each sample, in file order.
    let recordIndices: [Int]
    let samples: ECGDatasetSamples
    /// Records preparation could not read (only with `skipUnreadable`; otherwise they are an error).
    let unreadable: [ECGRecordSkip]

    /// Opens `checkpointPath` (verifying its parameter digest), resolves `data` over `group` and selects `split`;
    /// throws if the checkpoint is unusable, does not fit the dataset, or the split is empty.
    init(checkpointPath: String, data: DataOptions, split: SplitSelection, group: ProcessGroup,
         skipUnreadable: Bool = false) throws {
        let url = URL(fileURLWithPath: checkpointPath)
        do {
            checkpoint = try CheckpointReader(url: url)
            model = try checkpoint.makeModel()
        } catch {
            throw InferenceInputError.unusableCheckpoint(path: checkpointPath, reason: error)
        }
        let metadata = checkpoint.metadata
        thresholds = try DecisionThresholds(codes: metadata.classCodes, values: metadata.thresholds)
        let task = metadata.task
        dataset = try data.resolve(over: group, options: try Self.preparation(for: task, data: data))
        try checkpoint.requireApplicable(to: dataset)
        let skips = dataset.skippedRecords
        if let missing = skips.first(where: { $0.reason == .missingLead }) {
            throw InferenceInputError.missingLead(message: missing.message, count: skips.filter { $0.reason == .missingLead }.count)
        }
        if !skips.isEmpty && !skipUnreadable {
            throw InferenceInputError.unreadableRecords(skips)
        }
        unreadable = skips
        let (trained, given) = (Self.bandPass(metadata.datasetPreparation), Self.bandPass(dataset.preparationOptions))
        guard trained == given else {
            throw InferenceInputError.preparationMismatch(checkpoint: url.path, dataset: dataset.url.path,
                                                          trained: trained, given: given)
        }
        let selected = split.indices(in: dataset)
        guard !selected.isEmpty else {
            let opened = dataset
            let counts = DatasetSplit.allCases.map { "\($0) \(opened.indices(in: $0).count)" }.joined(separator: ", ")
            throw InferenceInputError.emptySplit(dataset: opened.url.path, split: split, recordsPerSplit: counts)
        }
        recordIndices = selected
        samples = try ECGDatasetSamples(dataset: dataset, recordIndices: selected,
                                        windowLength: metadata.windowLength, mode: .evaluation,
                                        normalization: metadata.normalization, leadNames: task.leads)
    }

    /// How a record directory is prepared for `task`: its rate and leads (a record lacking one is skipped with
    /// reason `missing_lead`, which is an error here), flat leads kept, and labels for its classes (a Challenge
    /// class list from the Dx codes; a single-label task from the directory's REFERENCE.csv, or none).
    static func preparation(for task: ECGTask, data: DataOptions) throws -> ECGDatasetPreparationOptions {
        let labels: ECGLabelSource
        if let classes = task.challengeClasses {
            labels = classes.codes == ChallengeClasses.challenge2021.codes ? .challenge2021 : .challenge2020
        } else if task.labelKind == .singleLabel {
            let reference = data.data.map { URL(fileURLWithPath: $0).appendingPathComponent("REFERENCE.csv") }
            if let reference, FileManager.default.fileExists(atPath: reference.path) {
                let found = try ECGLabelSource.reference(at: reference)
                labels = .reference(labels: found.referenceLabels, classes: task.classes, path: reference.path)
            } else {
                labels = .reference(labels: [:], classes: task.classes, path: "(no REFERENCE.csv)")
            }
        } else {
            labels = .snomedList(classes: task.classes, path: "the checkpoint")
        }
        var options = ECGDatasetPreparationOptions(samplingFrequency: task.samplingFrequency, labels: labels, leads: task.leads)
        options.skipsRecordsMissingLeads = true
        options.labelsMayBeMissing = true
        return options
    }

    /// The band-pass part (`order:low:high` or `none`) of a preparation description.
    private static func bandPass(_ preparation: String) -> String {
        preparation.split(separator: ";").first { $0.hasPrefix("bandpass=") }.map { String($0.dropFirst("bandpass=".count)) }
            ?? "none"
    }

    /// One line for rank 0: the network, where it came from, and what it is applied to.
    func describe(split: SplitSelection, worldSize: Int, threads: Int) -> String {
        let metadata = checkpoint.metadata
        return "\(metadata.modelName) from \(checkpoint.url.path) (step "
            + "\(metadata.globalStep)) on \(recordIndices.count) records (split \(split.rawValue)) of "
            + "\(dataset.url.path), first windows of \(metadata.windowLength) samples at \(metadata.samplingFrequency) "
            + "Hz; \(worldSize) rank(s) x \(threads) thread(s)"
    }
}
