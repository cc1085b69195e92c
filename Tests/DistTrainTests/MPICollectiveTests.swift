import Foundation
import Testing

/// The MPI collectives and rank-0 decisions (`decidedByRankZero`: a payload above 64 KiB, a failure on rank 0),
/// exercised by `dist-train check-mpi` as a world of one and under mpirun.
@Suite(.serialized) struct MPICollectiveTests {
    @Test(arguments: [nil, 2, 4] as [Int?])
    func collectivesAgree(ranks: Int?) throws {
        let result = try CommandRunner.run(["check-mpi", "--floats", "100000", "--repetitions", "2"], ranks: ranks)
        #expect(result.status == 0, "exit \(result.status): \(result.error)")
        #expect(result.output.contains("check-mpi: \(ranks ?? 1) ranks"), "output: \(result.output)")
        #expect(result.output.contains("all-reduce, broadcast, gather, max, rank-0 decisions: ok"), "output: \(result.output)")
    }
}
