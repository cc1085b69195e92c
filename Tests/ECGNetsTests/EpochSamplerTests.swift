import ECGNets
import Testing

@Suite struct EpochSamplerTests {
    /// Over an epoch every record is used exactly once, no record by two ranks, every rank runs the same
    /// number of steps with at least one record each, and part sizes differ by at most one.
    @Test(arguments: [(100, 1, 10), (100, 2, 16), (101, 4, 32), (37, 4, 8), (1000, 3, 30)])
    func everyRecordOncePerEpoch(records: Int, ranks: Int, batch: Int) throws {
        let sampler = try EpochSampler(recordCount: records, worldSize: ranks, globalBatchSize: batch, seed: 9)
        for epoch in 0..<2 {
            let order = sampler.permutation(epoch: epoch)
            var seen = [Int](repeating: 0, count: records)
            var sizes: [Int] = []
            for step in 0..<sampler.stepsPerEpoch {
                var union: [Int] = []
                for rank in 0..<ranks {
                    let part = sampler.rankRange(step: step, rank: rank)
                    sizes.append(part.count)
                    union += order[part]
                }
                #expect(union == Array(order[sampler.stepRange(step)]), "ranks' parts concatenate to the step")
                #expect(sampler.stepRange(step).count <= batch)
                for record in union { seen[record] += 1 }
            }
            #expect(seen.allSatisfy { $0 == 1 }, "epoch \(epoch): every record exactly once")
            #expect(sizes.min()! >= 1 && sizes.max()! - sizes.min()! <= 1)
        }
        #expect(sampler.permutation(epoch: 0) != sampler.permutation(epoch: 1))
    }

    /// The global batches do not depend on the number of ranks, so 1, 2 and 4 ranks see the same data.
    @Test func batchesDoNotDependOnWorldSize() throws {
        let samplers = try [1, 2, 4].map { try EpochSampler(recordCount: 90, worldSize: $0, globalBatchSize: 16, seed: 3) }
        for sampler in samplers.dropFirst() {
            #expect(sampler.permutation(epoch: 2) == samplers[0].permutation(epoch: 2))
            #expect((0..<sampler.stepsPerEpoch).map(sampler.stepRange) == (0..<samplers[0].stepsPerEpoch).map(samplers[0].stepRange))
        }
    }

    @Test func tooFewRecordsIsExplained() {
        #expect(throws: EpochSampler.Error.self) { try EpochSampler(recordCount: 3, worldSize: 4, globalBatchSize: 8, seed: 0) }
        do {
            _ = try EpochSampler(recordCount: 3, worldSize: 4, globalBatchSize: 8, seed: 0)
        } catch {
            #expect("\(error)".contains("3 training records are too few for 4 ranks"))
        }
    }
}
