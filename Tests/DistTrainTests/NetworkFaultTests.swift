import Foundation
import Testing

/// A job on two "nodes" (`TestCluster`: network namespaces, Open MPI over TCP between them, two ranks on each) loses
/// a node, a link or a rank mid-step: it ends within `--collective-timeout` plus a few seconds with a message naming
/// what was lost, keeps its checkpoints, and resumes from the newest. And data parallelism across the nodes: local
/// ranks, ranks per node and threads per rank come out right, and 2 nodes x 2 ranks train bit for bit as 1 x 4.
@Suite(.serialized, .enabled(if: TestCluster.unavailable == nil, "\(TestCluster.unavailable ?? "")"))
struct NetworkFaultTests {
    static let timeout = 10.0
    /// A small network, steps of a few tens of milliseconds, a checkpoint every 5 steps, many epochs: a job that is
    /// training whenever the fault comes.
    static let training = ["--model", "resnet18", "--widths", "8,16,32,64", "--length", "256", "--data", TestDatasets.simulated400,
                           "--batch-size", "8", "--threads", "1", "--progress", "lines", "--checkpoint-every", "5",
                           "--collective-timeout", "\(Int(timeout))", "--checkpoint-dir", "checkpoints", "--log-dir", "logs"]

    init() {
        if let reason = TestCluster.unavailable { print("NetworkFaultTests skipped: \(reason)") }
    }

    enum Fault: String, CaseIterable, CustomStringConvertible {
        /// Every process of the second node killed at once (orted included): the runtime notices the lost daemon.
        case nodeKilled
        /// The second node's data link set down mid-step: MPI traffic stops, the runtime sees nothing; only the
        /// collective timeout can end the job.
        case dataLinkCut
        /// Both of the second node's links set down: it is cut off; the runtime's keepalive notices the lost daemon.
        case nodeCutOff
        /// Rank 3 stopped with SIGSTOP: its connections stay open, it never arrives.
        case rankStopped

        var description: String { rawValue }
    }

    @Test(arguments: Fault.allCases)
    func faultEndsTheJobAndItResumes(fault: Fault) throws {
        let cluster = try TestCluster()
        defer { cluster.remove() }
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (first, second) = (cluster.nodes[0], cluster.nodes[1])

        let job = try CommandRunner.Running(Self.training + ["--epochs", "1000"], ranks: nil, directory: directory,
                                            launcher: cluster.launcher(ranksPerNode: 2))
        // Wait for the second checkpoint (step 10), then let a few more steps run so the fault comes mid-step.
        let log = directory.appendingPathComponent("logs/rank-3.jsonl")
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline && job.process.isRunning && ProcessTree.lineCount(log) < 13 { Thread.sleep(forTimeInterval: 0.02) }
        try #require(ProcessTree.lineCount(log) >= 13, "the job did not train 13 steps: \(job.wait(timeout: 1).error)")
        let victims = cluster.ranks(on: second)
        try #require(victims.count == 2, "expected ranks 2 and 3 on \(second), found \(victims)")

        switch fault {
        case .nodeKilled: TestCluster.killAll(in: second)
        case .dataLinkCut: try cluster.setLink(cluster.dataInterfaces[1], on: second, up: false)
        case .nodeCutOff:
            try cluster.setLink(cluster.dataInterfaces[1], on: second, up: false)
            try cluster.setLink(cluster.managementInterfaces[1], on: second, up: false)
        case .rankStopped: kill(victims[1], SIGSTOP)
        }
        let faulted = Date()
        let result = job.wait(timeout: Self.timeout + 40)
        let seconds = Date().timeIntervalSince(faulted)
        print("NetworkFaultTests: \(fault) ended the job in \(String(format: "%.1f", seconds)) s, status \(result.status)")
        let text = result.output + result.error
        #expect(result.status != 0 && result.status != -1, "\(fault): status \(result.status): \(result.error)")
        #expect(seconds < Self.timeout + 8, "\(fault): the job took \(seconds) s to end")
        switch fault {
        case .nodeKilled, .nodeCutOff:
            // Open MPI ends the job first and names the node it lost: its runtime ("lost communication with a remote
            // daemon … on node B", or for a killed node also "unable to reliably start one or more daemons") or its TCP
            // layer ("peer hung up … Peer host: B"). For a killed node it has also ended the job without a word (1 run
            // in 3): then only the time, the status, the cleanup and the resume below are checked.
            let named = text.split(separator: "\n").contains { line in
                line.contains(second) && (line.contains("on node") || line.contains("Peer host:"))
            }
            print("NetworkFaultTests: \(fault): Open MPI's message \(named ? "names" : "does not name") \(second)")
            if fault == .nodeCutOff { #expect(named, "\(fault): Open MPI's message does not name \(second): \(text)") }
        case .dataLinkCut:
            // The ranks on both sides of the cut time out; the first abort mpirun hears decides its status: rank 0's
            // (69) or, when Open MPI's TCP layer on the cut-off node gives up on a connection first, its own (255).
            #expect(result.status == 69 || result.status == 255, "status \(result.status)")
            #expect(text.contains("did not complete within 10 s (--collective-timeout)")
                    && text.contains("ranks 2, 3 on \(second) did not arrive"), "\(result.error)")
        case .rankStopped:
            #expect(result.status == 69, "status \(result.status)")
            #expect(text.contains("did not complete within 10 s (--collective-timeout)")
                    && text.contains("rank 3 on \(second) did not arrive"), "\(result.error)")
            // Rank 2 reached it; rank 1 too, or it still waits in the collective before (whose algorithm needed rank 3).
            #expect(text.contains("2 on \(second) reached it") && !text.contains("rank 1 on \(first) did not"), "\(result.error)")
        }
        // Nothing of the job is left on either node (a cut-off node's daemon and ranks end by themselves).
        let settled = Date().addingTimeInterval(15)
        while Date() < settled && !(cluster.processes(on: first) + cluster.processes(on: second)).isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(cluster.processes(on: first).isEmpty && cluster.processes(on: second).isEmpty,
                "\(fault): processes left: \(cluster.processes(on: first)) on \(first), \(cluster.processes(on: second)) on \(second)")

        // The newest checkpoint announced before the fault is there, and the job resumes from it on the two nodes.
        let written = result.output.split(separator: "\n").compactMap { line -> Int? in
            guard line.contains("checkpoint"), let range = line.range(of: "written (step ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        let newest = try #require(written.max(), "no checkpoint written: \(result.output)")
        #expect(newest >= 10)
        if fault == .nodeCutOff || fault == .dataLinkCut {
            for interface in [cluster.dataInterfaces[1], cluster.managementInterfaces[1]] { try cluster.setLink(interface, on: second, up: true) }
        }
        let resumed = try CommandRunner.Running(Self.training + ["--epochs", "1000", "--max-steps", "\(newest + 2)"], ranks: nil,
                                                directory: directory, launcher: cluster.launcher(ranksPerNode: 2)).wait(timeout: 90)
        #expect(resumed.status == 0, "\(fault): resume: status \(resumed.status): \(resumed.error)")
        #expect(CheckpointResumeTests.resumedStep(in: resumed.output) == newest, "\(fault): \(resumed.output)")
    }

    /// check-mpi on 2 nodes x 2 ranks and 2 nodes x 1 rank: every rank reports its node, its local rank among the
    /// ranks there, their count, and the node's cores divided among them as threads.
    @Test func ranksPerNodeLocalRanksAndThreads() throws {
        let cluster = try TestCluster()
        defer { cluster.remove() }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        for perNode in [2, 1] {
            let result = try CommandRunner.Running(["check-mpi", "--floats", "1000", "--repetitions", "1"], ranks: nil, directory: nil,
                                                   launcher: cluster.launcher(ranksPerNode: perNode)).wait(timeout: 60)
            #expect(result.status == 0, "\(result.error)")
            for rank in 0..<(2 * perNode) {
                let node = cluster.nodes[rank / perNode]
                let expected = "check-mpi: rank \(rank) of \(2 * perNode) on \(node): local rank \(rank % perNode) of \(perNode), "
                    + "\(max(1, cores / perNode)) thread(s)"
                #expect(result.output.contains(expected), "\(expected) not in: \(result.output)")
            }
            #expect(result.output.contains("check-mpi: \(2 * perNode) ranks on 2 node(s) (\(perNode) on this node)"), "\(result.output)")
        }
    }

    /// 2 nodes x 2 ranks over TCP train exactly as 4 ranks on one node (shared memory): the same collectives in the
    /// same order reduce in the same order, so every parameter is bit-identical after 8 steps, and so is every loss.
    @Test func twoNodesOfTwoEqualOneNodeOfFour() throws {
        let cluster = try TestCluster()
        defer { cluster.remove() }
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func train(_ name: String, launcher: [String]?) throws -> (parameters: Data, losses: [String]) {
            let arguments = DataParallelTests.arguments + ["--max-steps", "8", "--log-dir", name, "--parameters-out", "\(name).bin", "--checkpoint-dir",
                                                           "\(name)-checkpoints", "--collective-timeout", "\(Int(Self.timeout))"]
            let result = launcher == nil ? try CommandRunner.run(arguments, ranks: 4, in: directory)
                : try CommandRunner.Running(arguments, ranks: nil, directory: directory, launcher: launcher).wait(timeout: 120)
            try #require(result.status == 0, "\(name): \(result.error)")
            if launcher != nil { #expect(result.output.contains("4 rank(s) x 1 thread(s) (ranks 0, 1 on \(cluster.nodes[0]); 2, 3 on \(cluster.nodes[1]))"), "\(result.output)") }
            let log = try String(contentsOf: directory.appendingPathComponent("\(name)/rank-0.jsonl"), encoding: .utf8)
            let losses = log.split(separator: "\n").compactMap { line in
                line.split(separator: ",").first { $0.contains("\"loss\"") }.map(String.init)
            }
            return (try Data(contentsOf: directory.appendingPathComponent("\(name).bin")), losses)
        }
        let nodes = try train("two-by-two", launcher: cluster.launcher(ranksPerNode: 2))
        let single = try train("one-by-four", launcher: nil)
        #expect(nodes.losses.count == 8 && nodes.losses == single.losses, "\(nodes.losses) vs \(single.losses)")
        #expect(!nodes.parameters.isEmpty && nodes.parameters == single.parameters)
    }
}
