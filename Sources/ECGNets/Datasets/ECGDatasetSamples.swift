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
/// `leadNames` picks the network's leads by name from the dataset's (e.g. lead II, or the six limb leads, of a
/// 12-lead dataset), in the network's order.
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
    public var leads: Int { leadRows.count }
    /// The dataset lead (row) of each input lead.
    public let leadRows: [Int]
    public var classes: Int { dataset.classCodes.count }
    public var length: Int { windowing.length }
    private let recordBuffer: UnsafeMutableBufferPointer<Float>
    /// The picked leads of a record, when they are not all the dataset's leads in its order.
    private let selectedBuffer: UnsafeMutableBufferPointer<Float>?

    /// Samples of `recordIndices` (e.g. `dataset.indices(in: .train)`) of `dataset`, in windows of `windowLength`
    /// samples (default 5000: 10 s at 500 Hz).
    public init(dataset: ECGDataset, recordIndices: [Int], windowLength: Int = ECGWindowing.standardLength,
                mode: Mode, normalization: SignalNormalization = .centered, leadNames: [String]? = nil)
        throws(ECGDatasetError) {
        var rows: [Int] = []
        for name in leadNames ?? dataset.leadNames {
            guard let row = dataset.leadNames.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else {
                throw .incompatibleSettings(dataset.url, reason: "it has no lead \(name) (its leads are "
                    + "\(dataset.leadNames.joined(separator: ", "))); the network reads \((leadNames ?? []).joined(separator: ", ")). "
                    + "Prepare the records with those leads")
            }
            rows.append(row)
        }
        leadRows = rows
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
        if rows == Array(0..<dataset.leadCount) {
            selectedBuffer = nil
        } else {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, longest * rows.count))
            buffer.initialize(repeating: 0)
            selectedBuffer = buffer
        }
    }

    deinit {
        recordBuffer.deallocate()
        selectedBuffer?.deallocate()
    }

    /// Where sample `index` is cut from its record in `epoch`.
    public func placement(of index: Int, epoch: Int) -> ECGWindowPlacement {
        placement(recordLength: dataset.records[recordIndices[index]].length, key: trainingKey(of: index, epoch: epoch))
    }

    /// A random crop drawn from `key` (training mode), or the first window without one (evaluation mode).
    private func placement(recordLength: Int, key: TrainingSampleKey?) -> ECGWindowPlacement {
        guard let key else { return windowing.firstPlacement(recordLength: recordLength) }
        var random = key.randomStream(for: .windowCrop)
        return windowing.randomPlacement(recordLength: recordLength, using: &random)
    }

    /// Writes sample `index` of `epoch`: the window `[leads][length]` into `signal`, the labels into `target`.
    public func fill(_ index: Int, epoch: Int, signal: UnsafeMutablePointer<Float>,
                     target: UnsafeMutablePointer<Float>) throws {
        guard recordIndices.indices.contains(index) else {
            throw ECGDatasetError.recordOutOfRange(dataset.url, index: index, count: recordIndices.count)
        }
        let recordIndex = recordIndices[index]
        let record = dataset.records[recordIndex]
        var recordSamples = UnsafeMutableBufferPointer(rebasing: recordBuffer[0 ..< dataset.leadCount * record.length])
        try dataset.readSignal(recordIndex, into: recordSamples)
        if let selectedBuffer {
            let length = record.length
            for (lead, row) in leadRows.enumerated() {
                let source = recordBuffer.baseAddress! + row * length
                (selectedBuffer.baseAddress! + lead * length).update(from: source, count: length)
            }
            recordSamples = UnsafeMutableBufferPointer(rebasing: selectedBuffer[0 ..< leads * length])
        }
        try writeWindow(of: UnsafeBufferPointer(recordSamples), recordLength: record.length, recordName: record.id,
                        key: trainingKey(of: index, epoch: epoch), into: signal)
        for label in 0..<classes { target[label] = Float(record.labels[label]) }
    }

    /// Cuts the window of a record whose samples are `samples` (the network's leads, `recordLength` each) into
    /// `signal` `[leads][length]` and normalises it; in training mode the crop and the augmentation are drawn from
    /// `key`. What `fill` does with a record read from the file, and what `SyntheticMixSource` does with a simulated
    /// one, so both reach the network alike.
    func writeWindow(of samples: UnsafeBufferPointer<Float>, recordLength: Int, recordName: String, key: TrainingSampleKey?,
                     into signal: UnsafeMutablePointer<Float>) throws {
        let placement = placement(recordLength: recordLength, key: key)
        let window = UnsafeMutableBufferPointer(start: signal, count: leads * length)
        try windowing.write(placement, ofRecord: samples, leadCount: leads, recordName: recordName, into: window)
        try normalization.apply(to: window, leadCount: leads, validLength: placement.validLength)
        if let key, case let .training(_, augmenter?) = mode {
            try augmenter.apply(to: window, leadCount: leads, validLength: placement.validLength, key: key)
        }
    }

    /// The training-mode key of a window: `(seed, rank 0, epoch, slot)`; nil in evaluation mode.
    func trainingKey(slot: Int, epoch: Int) -> TrainingSampleKey? {
        guard case let .training(seed, _) = mode else { return nil }
        return TrainingSampleKey(seed: seed, rank: 0, epoch: epoch, recordIndex: slot)
    }

    /// The randomness key of sample `index` in `epoch` (its dataset record index; rank 0 always, so that it does not
    /// depend on the rank); nil in evaluation mode.
    private func trainingKey(of index: Int, epoch: Int) -> TrainingSampleKey? {
        trainingKey(slot: recordIndices[index], epoch: epoch)
    }
}
