import ECGNets
import Testing

/// How `DistributedEvaluation` splits samples over ranks: contiguous shares of whole batches that together are the
/// samples in order, as even as whole batches allow.
@Suite struct EvaluationShareTests {
    @Test(arguments: [(23, 4, 3), (5, 2, 2), (1000, 16, 2), (3, 8, 4), (0, 4, 2), (7, 1, 7)])
    func sharesAreWholeBatchesInOrder(count: Int, batchSize: Int, ranks: Int) {
        let indices = (0..<count).map { $0 * 10 + 3 }
        let shares = (0..<ranks).map { DistributedEvaluation.share(of: indices, rank: $0, size: ranks, batchSize: batchSize) }
        #expect(shares.flatMap { $0 } == indices)
        var start = 0
        for share in shares {
            // Every share starts on a batch boundary of the whole list, so batches are the same for any rank count.
            #expect(start % batchSize == 0 || share.isEmpty, "share starting at \(start)")
            start += share.count
        }
        let batchCounts = shares.map { ($0.count + batchSize - 1) / batchSize }
        #expect((batchCounts.max() ?? 0) - (batchCounts.min() ?? 0) <= 1, "\(batchCounts)")
    }

    /// 23 samples in batches of 4 are 6 batches: 3 ranks take 2 each, the last one short.
    @Test func twentyThreeSamplesOverThreeRanks() {
        let indices = Array(0..<23)
        #expect(DistributedEvaluation.share(of: indices, rank: 0, size: 3, batchSize: 4) == Array(0..<8))
        #expect(DistributedEvaluation.share(of: indices, rank: 1, size: 3, batchSize: 4) == Array(8..<16))
        #expect(DistributedEvaluation.share(of: indices, rank: 2, size: 3, batchSize: 4) == Array(16..<23))
    }
}
