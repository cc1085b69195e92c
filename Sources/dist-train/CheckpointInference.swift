import DistTensor
import ECGNets
import Foundation

/// What evaluate and predict share: a checkpoint's network and decision thresholds, the dataset resolved on every
/// rank (a record directory prepared at the checkpoint's sampling rate) and checked against the checkpoint, and the
/// records of the chosen split as evaluation samples (the first window of the checkpoint's length, normalised as
/// in training).
struct CheckpointInference {
    let checkpoint: CheckpointReader
    let model: any ECGModel
    let thresholds: DecisionThresholds
    let dataset: ECGDataset
    /// The dataset record index of each sample, in file order.
    let recordIndices: [Int]
    let samples: ECGDatasetSamples

    /// Opens `checkpointPath` (verifying its parameter digest), resolves `data` over `group` and selects `split`;
    /// throws if the checkpoint is unusable, does not fit the dataset, or the split is empty.
    init(checkpointPath: String, data: DataOptions, split: SplitSelection, group: ProcessGroup) throws {
        let url = URL(fileURLWithPath: checkpointPath)
        do {
            checkpoint = try CheckpointReader(url: url)
            model = try checkpoint.makeModel()
        } catch {
            throw InferenceInputError.unusableCheckpoint(path: checkpointPath, reason: error)
        }
        let metadata = checkpoint.metadata
        thresholds = try DecisionThresholds(codes: metadata.classCodes, values: metadata.thresholds)
        dataset = try data.resolve(over: group,
                                   options: ECGDatasetPreparationOptions(samplingFrequency: metadata.samplingFrequency))
        try checkpoint.requireApplicable(to: dataset)
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
                                        normalization: metadata.normalization)
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
