import DistTensor

/// Which records each rank trains on in each step: a seeded permutation per epoch, cut into steps and
/// each step into one contiguous part per rank.
///
/// Steps per epoch are `⌈records / globalBatch⌉`; records are spread over the steps as evenly as
/// possible, and each step's records over the ranks as evenly as possible, so every rank runs the same
/// number of steps (a rank that ran out first would hang the others) and every record is used exactly
/// once per epoch. The permutation depends only on the seed and the epoch, never on the world size, so
/// the concatenation of the ranks' parts of a step is the same global batch for any number of ranks.
public struct EpochSampler: Sendable, Equatable {
    public let recordCount: Int
    public let worldSize: Int
    public let globalBatchSize: Int
    public let seed: UInt64

    /// Why a sampler cannot be made.
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    public init(recordCount: Int, worldSize: Int, globalBatchSize: Int, seed: UInt64) throws {
        guard worldSize >= 1, globalBatchSize >= worldSize else {
            throw Error(description: "the global batch (\(globalBatchSize)) must hold at least one sample per rank (\(worldSize) ranks)")
        }
        let steps = (recordCount + globalBatchSize - 1) / globalBatchSize
        guard recordCount > 0, recordCount / steps >= worldSize else {
            throw Error(description: "\(recordCount) training records are too few for \(worldSize) ranks with a global batch of "
                        + "\(globalBatchSize): every rank needs at least one record in every step")
        }
        self.recordCount = recordCount
        self.worldSize = worldSize
        self.globalBatchSize = globalBatchSize
        self.seed = seed
    }

    public var stepsPerEpoch: Int { (recordCount + globalBatchSize - 1) / globalBatchSize }

    /// The epoch's order of record indices (Fisher–Yates from a stream keyed by seed and epoch).
    public func permutation(epoch: Int) -> [Int] {
        var order = Array(0..<recordCount)
        var random = RandomStream(seed: seed, 0xE90C, UInt64(epoch))
        for i in stride(from: recordCount - 1, to: 0, by: -1) {
            order.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        return order
    }

    /// Positions in the permutation that form step `step` of an epoch (all ranks together).
    public func stepRange(_ step: Int) -> Range<Int> {
        let steps = stepsPerEpoch
        return (recordCount * step / steps)..<(recordCount * (step + 1) / steps)
    }

    /// Positions in the permutation that rank `rank` trains on in step `step`.
    public func rankRange(step: Int, rank: Int) -> Range<Int> {
        let whole = stepRange(step)
        let count = whole.count
        return (whole.lowerBound + count * rank / worldSize)..<(whole.lowerBound + count * (rank + 1) / worldSize)
    }
}
