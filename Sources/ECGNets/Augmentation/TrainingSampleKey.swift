import DistTensor

/// The identity of one training sample's randomness, `(seed, rank, epoch, record index)`: the random crop and
/// augmentation of a record depend on this key alone, so they are reproduced exactly on resume and do not change
/// with batch size or with which other records share the batch.
public struct TrainingSampleKey: Sendable, Equatable, Hashable, Codable {
    /// The run's seed.
    public var seed: UInt64
    /// The MPI rank that processes the sample.
    public var rank: Int
    public var epoch: Int
    /// The record's index in the dataset (global, not its position in a batch); a simulated sample mixed in by
    /// `SyntheticMixSource` has `-1 - slot`, which no dataset record has.
    public var recordIndex: Int

    /// The key of record `recordIndex` in `epoch` on `rank` of a run seeded with `seed`.
    public init(seed: UInt64, rank: Int, epoch: Int, recordIndex: Int) {
        self.seed = seed
        self.rank = rank
        self.epoch = epoch
        self.recordIndex = recordIndex
    }

    /// The stream for one use of this sample's randomness; different purposes give independent streams.
    public func randomStream(for purpose: TrainingRandomPurpose) -> RandomStream {
        RandomStream(seed: seed, purpose.rawValue, UInt64(truncatingIfNeeded: rank),
                     UInt64(truncatingIfNeeded: epoch), UInt64(truncatingIfNeeded: recordIndex))
    }
}

/// What a training sample's random stream is used for; its raw value is mixed into the stream's key, so the
/// values are fixed for the life of stored checkpoints.
public enum TrainingRandomPurpose: UInt64, Sendable, CaseIterable {
    /// The offset of the training crop (`ECGWindowing.randomPlacement`).
    case windowCrop = 0x6372_6F70  // "crop"
    /// The augmentations (`ECGAugmenter`).
    case augmentation = 0x6175_676D  // "augm"
}
