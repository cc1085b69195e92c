import DistTensor

/// The samples of one split of a prepared dataset as the trainer reads them: a fixed-length window per record,
/// normalised (by default each lead centred, amplitudes kept in millivolts), with the record's multi-hot labels as
/// target.
///
/// Training mode cuts a random crop (zero-padded when the record is shorter than the window), normalises it and
/// then augments; the crop and the augmentation draw from `TrainingSampleKey(seed, rank: 0, epoch,
/// record)`, with `record` the record's index in the dataset, so a sample is the same whichever rank reads it and
/// whatever batch it is in. Augmenting after normalisation keeps amplitude scaling from being undone (with per-lead
/// standardisation the policy's magnitudes are lead standard deviations, centred they are millivolts). Evaluation
/// mode takes the record's first window, normalised, without augmentation.
///
/// `fill` reuses one buffer sized for the longest record of the split, so it allocates nothing; call it from one
/// thread at a time (the training thread).
public final class ECGDatasetSamples: SampleSource {
    /// How windows are cut and whether they are augmented.
    public enum Mode: Sendable {
        /// Random crops keyed by `(seed, epoch, record)`, augmented by `augmenter` when given.
        case training(seed: UInt64, augmenter: ECGAugmenter?)
        /// The first window of each record, no augmentation.
        case evaluation
    }

    public let dataset: ECGDataset
    /// The dataset record index of each sample.
    public let recordIndices: [Int]
    public let windowing: ECGWindowing
    public let mode: Mode
    public let normalization: SignalNormalization
    public var count: Int { recordIndices.count }
    public var leads: Int { dataset.leadCount }
    public var classes: Int { dataset.classCodes.count }
    public var length: Int { windowing.length }
    private let recordBuffer: UnsafeMutableBufferPointer<Float>

    /// Samples of `recordIndices` (e.g. `dataset.indices(in: .train)`) of `dataset`, in windows of `windowLength`
    /// samples (default 5000: 10 s at 500 Hz).
    public init(dataset: ECGDataset, recordIndices: [Int], windowLength: Int = ECGWindowing.standardLength,
                mode: Mode, normalization: SignalNormalization = .centered) throws(ECGDatasetError) {
        let windowing: ECGWindowing
        do {
            windowing = try ECGWindowing(length: windowLength)
        } catch {
            throw .incompatibleSettings(dataset.url, reason: error.description)
        }
        if let bad = recordIndices.first(where: { !dataset.records.indices.contains($0) }) {
            throw .recordOutOfRange(dataset.url, index: bad, count: dataset.records.count)
        }
        if case let .training(_, augmenter?) = mode, augmenter.samplingFrequency != dataset.samplingFrequency {
            throw .incompatibleSettings(dataset.url, reason: "the augmenter is set up for \(augmenter.samplingFrequency) "
                + "Hz but the dataset is sampled at \(dataset.samplingFrequency) Hz")
        }
        self.dataset = dataset
        self.recordIndices = recordIndices
        self.windowing = windowing
        self.mode = mode
        self.normalization = normalization
        let longest = recordIndices.map { dataset.records[$0].length }.max() ?? 0
        recordBuffer = .allocate(capacity: max(1, longest * dataset.leadCount))
        recordBuffer.initialize(repeating: 0)
    }

    deinit {
        recordBuffer.deallocate()
    }

    /// Where sample `index` is cut from its record in `epoch`.
    public func placement(of index: Int, epoch: Int) -> ECGWindowPlacement {
        let recordLength = dataset.records[recordIndices[index]].length
        switch mode {
        case let .training(seed, _):
            var random = key(of: index, epoch: epoch, seed: seed).randomStream(for: .windowCrop)
            return windowing.randomPlacement(recordLength: recordLength, using: &random)
        case .evaluation:
            return windowing.firstPlacement(recordLength: recordLength)
        }
    }

    /// Writes sample `index` of `epoch`: the window `[leads][length]` into `signal`, the labels into `target`.
    public func fill(_ index: Int, epoch: Int, signal: UnsafeMutablePointer<Float>,
                     target: UnsafeMutablePointer<Float>) throws {
        guard recordIndices.indices.contains(index) else {
            throw ECGDatasetError.recordOutOfRange(dataset.url, index: index, count: recordIndices.count)
        }
        let recordIndex = recordIndices[index]
        let record = dataset.records[recordIndex]
        let recordSamples = UnsafeMutableBufferPointer(rebasing: recordBuffer[0 ..< leads * record.length])
        try dataset.readSignal(recordIndex, into: recordSamples)
        let placement = placement(of: index, epoch: epoch)
        let window = UnsafeMutableBufferPointer(start: signal, count: leads * length)
        try windowing.write(placement, ofRecord: UnsafeBufferPointer(recordSamples), leadCount: leads,
                            recordName: record.id, into: window)
        try normalization.apply(to: window, leadCount: leads, validLength: placement.validLength)
        if case let .training(seed, augmenter?) = mode {
            try augmenter.apply(to: window, leadCount: leads, validLength: placement.validLength,
                                key: key(of: index, epoch: epoch, seed: seed))
        }
        for label in 0..<classes { target[label] = Float(record.labels[label]) }
    }

    /// The randomness key of sample `index` in `epoch`: rank 0 always, so that it does not depend on the rank.
    private func key(of index: Int, epoch: Int, seed: UInt64) -> TrainingSampleKey {
        TrainingSampleKey(seed: seed, rank: 0, epoch: epoch, recordIndex: recordIndices[index])
    }
}
