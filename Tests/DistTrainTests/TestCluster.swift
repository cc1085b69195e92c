import Foundation

/// Two test "nodes" on this machine: network namespaces (each with its own host name, via a UTS namespace) joined by
/// two veth pairs with private addresses that exist only inside them: a management link for Open MPI's runtime
/// (mpirun and its daemons) and a data link for MPI's TCP traffic, as clusters keep their management Ethernet apart
/// from the fabric. mpirun runs on the first node and starts its daemon on the second through a `plm_rsh_agent`
/// script that enters that namespace; MPI uses TCP on the data link only (`btl tcp,self`), so no traffic goes to an
/// address outside the two namespaces. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN); `unavailable` says why not.
///
/// Names carry this process's id, so concurrent test runs do not collide; namespaces left by a test process that
/// died are removed by the next one. `remove()` kills every process in both namespaces and deletes them (the veths
/// go with them), and runs even when a test fails.
final class TestCluster {
    /// The two nodes: namespace and host name.
    let nodes: [String]
    /// Interfaces per node, by role.
    let managementInterfaces: [String]
    let dataInterfaces: [String]
    let folder: URL
    private static let prefix = "dtt"
    private static let managementSubnet = "10.213.1"
    private static let dataSubnet = "10.213.2"

    /// Why namespaces cannot be made here, or nil if they can (checked once by making and deleting one).
    static let unavailable: String? = {
        guard getuid() == 0 else { return "network namespace tests need root (ip netns add)" }
        let probe = "\(prefix)probe\(getpid())"
        let made = shell("ip netns add \(probe)")
        defer { _ = shell("ip netns del \(probe)") }
        guard made.status == 0 else { return "ip netns add is not permitted here: \(made.output)" }
        let link = shell("ip netns exec \(probe) unshare --uts true")
        return link.status == 0 ? nil : "cannot enter a namespace with a UTS namespace of its own: \(link.output)"
    }()

    init(slots: Int = 2) throws {
        Self.removeStale()
        let id = getpid()
        nodes = ["\(Self.prefix)\(id)a", "\(Self.prefix)\(id)b"]
        managementInterfaces = nodes.map { "\($0)m" }
        dataInterfaces = nodes.map { "\($0)d" }
        folder = try CommandRunner.temporaryDirectory()
        do {
            for node in nodes { try Self.run("ip netns add \(node)") }
            for (interfaces, subnet) in [(managementInterfaces, Self.managementSubnet), (dataInterfaces, Self.dataSubnet)] {
                try Self.run("ip link add \(interfaces[0]) netns \(nodes[0]) type veth peer name \(interfaces[1]) netns \(nodes[1])")
                for index in 0..<2 {
                    try Self.run("ip -n \(nodes[index]) addr add \(subnet).\(index + 1)/24 dev \(interfaces[index])")
                    try Self.run("ip -n \(nodes[index]) link set \(interfaces[index]) up")
                }
            }
            // Each node's own loopback (the kernel delivers a node's traffic to its own address through it).
            for node in nodes { try Self.run("ip -n \(node) link set lo up") }
            try writeScripts(slots: slots)
        } catch {
            remove()
            throw error
        }
    }

    /// Kills every process in the namespaces, deletes them and the scripts.
    func remove() {
        for node in nodes { Self.killAll(in: node) }
        for node in nodes { _ = Self.shell("ip netns del \(node)") }
        try? FileManager.default.removeItem(at: folder)
    }

    /// The command that runs `dist-train …` under mpirun on both nodes, `ranksPerNode` on each (ranks 0..<n on the
    /// first node, then the second), or on the first node alone.
    func launcher(ranksPerNode: Int, nodes count: Int = 2) -> [String] {
        let hostfile = folder.appendingPathComponent("hosts-\(ranksPerNode)x\(count)")
        let lines = nodes.prefix(count).map { "\($0) slots=\(ranksPerNode)\n" }.joined()
        try? lines.write(to: hostfile, atomically: true, encoding: .utf8)
        return [folder.appendingPathComponent("mpirun-on-cluster").path, hostfile.path, "\(ranksPerNode * count)"]
    }

    /// Processes still running in `node`'s namespace.
    func processes(on node: String) -> [Int32] {
        Self.shell("ip netns pids \(node)").output.split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The dist-train rank processes on `node` (the binary re-executes itself, so the command name is "exe" or
    /// "dist-train"; their parent is mpirun or orted).
    func ranks(on node: String) -> [Int32] {
        processes(on: node).filter { pid in
            guard let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return false }
            return command.split(separator: "\0").first.map { $0.hasSuffix("dist-train") } ?? false
        }.sorted()
    }

    /// Sets a node's interface down or up.
    func setLink(_ interface: String, on node: String, up: Bool) throws {
        try Self.run("ip -n \(node) link set \(interface) \(up ? "up" : "down")")
    }

    /// Kills every process in `node`'s namespace at once (the node "dies").
    static func killAll(in node: String) {
        _ = shell("ip netns pids \(node) | xargs -r kill -KILL")
    }

    private func writeScripts(slots: Int) throws {
        // Open MPI calls the agent as `agent HOST COMMAND…`: enter that host's namespace, take its host name, run.
        let agent = folder.appendingPathComponent("enter-node")
        try """
            #!/bin/sh
            node=$1; shift
            exec ip netns exec "$node" unshare --uts sh -c "hostname $node && $*"

            """.write(to: agent, atomically: true, encoding: .utf8)
        // mpirun on the first node. The runtime's TCP (mpirun and its daemons) on the management link, with
        // keepalive so a daemon whose node is gone is noticed in about 4 s; MPI's TCP on the data link.
        let mpirun = folder.appendingPathComponent("mpirun-on-cluster")
        try """
            #!/bin/sh
            hostfile=$1; ranks=$2; shift 2
            exec ip netns exec \(nodes[0]) unshare --uts sh -c 'hostname \(nodes[0]) && exec "$0" "$@"' \\
              mpirun --allow-run-as-root --oversubscribe -n "$ranks" --hostfile "$hostfile" \\
              --bind-to none --mca plm_rsh_agent \(agent.path) \\
              --mca oob_tcp_if_include \(Self.managementSubnet).0/24 \\
              --mca oob_tcp_keepalive_time 2 --mca oob_tcp_keepalive_intvl 1 --mca oob_tcp_keepalive_probes 2 \\
              --mca btl tcp,self --mca btl_tcp_if_include \(Self.dataSubnet).0/24 \\
              "$@"

            """.write(to: mpirun, atomically: true, encoding: .utf8)
        for script in [agent, mpirun] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        }
    }

    /// Removes namespaces of this test's kind whose test process no longer runs (one that was killed mid-test).
    private static func removeStale() {
        for line in shell("ip netns list").output.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count).dropLast()), kill(pid, 0) != 0 else { continue }
            killAll(in: name)
            _ = shell("ip netns del \(name)")
        }
    }

    struct CommandFailure: Error, CustomStringConvertible {
        let command: String
        let output: String
        var description: String { "\(command): \(output)" }
    }

    @discardableResult
    static func run(_ command: String) throws -> String {
        let result = shell(command)
        guard result.status == 0 else { throw CommandFailure(command: command, output: result.output) }
        return result.output
    }

    /// Runs `command` with /bin/sh; its status and output (standard output and error together).
    static func shell(_ command: String) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>&1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
