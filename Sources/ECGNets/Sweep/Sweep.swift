import DistTensor
import Foundation

/// What a sweep is: its space and search, how many trials of how many ranks, early termination, where it lives.
public struct SweepSettings: Sendable {
    public var space: SweepSpace
    public var search: SweepSearchKind = .grid
    /// Trials to run (nil: the whole grid; random and TPE need a number).
    public var trials: Int?
    public var ranksPerTrial = 1
    /// Successive halving, or nil to run every trial to its end.
    public var halving: SuccessiveHalving?
    /// Random trials TPE starts with.
    public var startupTrials = 5
    public var directory: URL
    /// If set, every trial writes TensorBoard events into `trial-NNN` there.
    public var tensorBoardDirectory: URL?
    public var seed: UInt64 = 0
    /// The base train options as given (part of the sweep's identity).
    public var baseArguments: [String] = []

    public init(space: SweepSpace, directory: URL) {
        self.space = space
        self.directory = directory
    }

    /// What a restarted sweep must match: everything that changes which trials run and how.
    var identity: String {
        let halvingText = halving.map { "asha(min-steps \($0.minSteps), eta \($0.eta))" } ?? "none"
        let spaceText = space.parameters.map { "\($0.name)=\($0.domain)" }.joined(separator: "; ")
        return "search \(search.rawValue), trials \(trials.map(String.init) ?? "grid"), ranks per trial \(ranksPerTrial), "
            + "scheduler \(halvingText), seed \(seed), startup \(startupTrials), space [\(spaceText)], train options "
            + baseArguments.joined(separator: " ")
    }
}

/// What a sweep tells its caller: rank 0's and the trials' messages, and this rank's wish to stop (a signal).
public struct SweepEvents {
    public var message: (String) -> Void
    public var stopRequest: () -> String?

    public init(message: @escaping (String) -> Void = { _ in }, stopRequest: @escaping () -> String? = { nil }) {
        self.message = message
        self.stopRequest = stopRequest
    }
}

/// A hyper-parameter sweep over the ranks of one job: the world is split (`MPI_Comm_split`) into groups of
/// `ranksPerTrial` ranks; each group runs one trial at a time as an ordinary data-parallel `TrainingRun` with its own
/// checkpoint directory (`<sweep-dir>/trials/trial-NNN/checkpoints`) and asks for the next when it ends. World rank 0 is
/// the coordinator: it hands out trials, decides successive-halving promotions, and keeps the state file, which it
/// rewrites atomically after every change. A stop wish (SIGTERM) on any rank stops every group's trial after a
/// checkpoint; run again, the sweep keeps the finished trials, resumes the interrupted ones from their checkpoints
/// and runs nothing twice.
///
/// Group leaders talk to the coordinator with point-to-point messages of JSON (requests, replies, stop notices); the
/// coordinator answers between the steps of its own trial, and a group shares each answer over its ranks with
/// `decidedByRankZero`, so every rank of a trial acts on the same decision.
public final class Sweep {
    private let settings: SweepSettings
    private let world: Communicator
    private let configure: ([String: SweepValue]) throws -> TrainingRunConfiguration
    private let events: SweepEvents
    private let group: Communicator
    private let groupIndex: Int
    /// Only on world rank 0.
    private let coordinator: SweepCoordinator?
    /// A stop notice from the coordinator reached this group leader.
    private var stopNoticed = false

    static let requestTag = 7301, replyTag = 7302, stopTag = 7303

    /// Splits the world into groups (every rank calls it) and, on rank 0, loads or starts the sweep's state.
    /// `configure` turns a trial's values into its run configuration (the base train options with the values set).
    public init(_ settings: SweepSettings, world: Communicator, events: SweepEvents = SweepEvents(),
                configure: @escaping ([String: SweepValue]) throws -> TrainingRunConfiguration) throws {
        guard settings.ranksPerTrial >= 1, world.size % settings.ranksPerTrial == 0 else {
            throw SweepError.invalidSetting("--ranks-per-trial \(settings.ranksPerTrial) does not divide the job's \(world.size) "
                + "ranks; start the job with a multiple of it (mpirun -n \(max(1, settings.ranksPerTrial) * 2)) or change it")
        }
        if settings.search != .grid && settings.trials == nil {
            throw SweepError.invalidSetting("--search \(settings.search.rawValue) needs --trials N (how many configurations to try)")
        }
        if let trials = settings.trials, trials < 1 { throw SweepError.invalidSetting("--trials must be at least 1.") }
        if settings.search == .grid { _ = try settings.space.grid() }
        self.settings = settings
        self.world = world
        self.configure = configure
        self.events = events
        groupIndex = world.rank / settings.ranksPerTrial
        group = try world.split(color: groupIndex, key: world.rank)
        let prepared = try world.decidedByRankZero(what: "could not open the sweep directory") { () throws -> Bool in
            try FileManager.default.createDirectory(at: settings.directory.appendingPathComponent("trials"),
                                                    withIntermediateDirectories: true)
            return true
        }
        precondition(prepared)
        coordinator = world.rank == 0
            ? try SweepCoordinator(settings: settings, groups: world.size / settings.ranksPerTrial, world: world, configure: configure,
                                   message: events.message)
            : nil
    }

    /// Runs trials until there are none left or a stop is requested, then (rank 0) writes the results. Returns
    /// `.stopped` on every rank if the sweep was stopped (run the same command again to continue).
    public func run() throws -> TrainingOutcome {
        if let coordinator {
            events.message("dist-train sweep: \(coordinator.budget) trial(s), \(settings.search.rawValue) search, "
                + "\(world.size / settings.ranksPerTrial) group(s) of \(settings.ranksPerTrial) rank(s), "
                + (settings.halving.map { "ASHA from \($0.minSteps) steps, eta \($0.eta)" } ?? "no early termination")
                + "; state in \(SweepState.url(in: settings.directory).path)"
                + (coordinator.resumedTrials > 0 ? "; continuing: \(coordinator.resumedTrials) trial(s) recorded" : ""))
        }
        // The dataset once over the world, so groups find a prepared cache instead of preparing it side by side.
        let base = try configure([:])
        _ = try base.data.resolve(over: world, options: base.preparation, output: { [world, events] in
            if world.rank == 0 { events.message($0) }
        })
        var result: SweepRequest.Result?
        while true {
            let request = SweepRequest(kind: .next, group: groupIndex, result: result, stopWish: events.stopRequest() != nil)
            // How long the coordinator takes to answer depends on its own trial's step or validation, not on a lost
            // rank (a lost rank ends the job through its own group's collectives), so this wait has no timeout.
            let reply = try group.withoutCollectiveTimeout {
                try group.decidedByRankZero(what: "could not get the next trial from the sweep's coordinator") { try ask(request) }
            }
            guard reply.kind == .trial, let trial = reply.trial, let values = reply.values else { break }
            result = try runTrial(trial, values: values)
        }
        try coordinator?.serviceUntilGroupsFinish(ownStop: events.stopRequest)
        // A stop notice that came after this leader's trial had ended is not left unreceived.
        if group.rank == 0 && world.rank != 0 && !stopNoticed { _ = try world.receiveIfArrived(tag: Self.stopTag, from: 0) }
        // Ranks whose group is done wait here until the slowest group's last trial ends: no timeout on this wait.
        let stopped = try world.withoutCollectiveTimeout {
            try world.decidedByRankZero(what: "could not finish the sweep") { () throws -> Bool in
                guard let coordinator else { return false }
                try coordinator.finish()
                return coordinator.stopping
            }
        }
        return stopped ? .stopped : .completed
    }

    /// One trial on this group's ranks; its failure is its result, not the sweep's.
    private func runTrial(_ id: Int, values: [String: SweepValue]) throws -> SweepRequest.Result {
        let started = Date()
        let directory = settings.directory.appendingPathComponent("trials").appendingPathComponent(String(format: "trial-%03d", id))
        let leader = group.rank == 0
        let label = "trial \(id) (" + values.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        var stoppedAtRung = false
        do {
            var configuration = try configure(values)
            configuration.checkpoints.directory = directory.appendingPathComponent("checkpoints")
            configuration.checkpoints.resume = .auto
            configuration.logDirectory = directory.appendingPathComponent("logs")
            configuration.tensorBoardDirectory = settings.tensorBoardDirectory?.appendingPathComponent(String(format: "trial-%03d", id))
            configuration.parametersOut = nil
            if let halving = settings.halving, configuration.schedule.validateEvery == 0 {
                configuration.schedule.validateEvery = halving.minSteps
            }
            var totalSteps = 0
            // Whether the trial goes on after its validation at `step` with `metric` (the coordinator's rung decision).
            let promoted = { [unowned self] (step: Int, metric: Double) throws -> Bool in
                guard let halving = self.settings.halving,
                      let rung = halving.rung(atOrBelow: step, totalSteps: totalSteps) else { return true }
                let request = SweepRequest(kind: .rung, group: self.groupIndex, trial: id, step: rung, metric: metric)
                let reply = try self.group.withoutCollectiveTimeout {
                    try self.group.decidedByRankZero(what: "could not ask the sweep's coordinator about rung \(rung)") {
                        try self.ask(request)
                    }
                }
                return reply.promoted ?? true
            }
            let trialEvents = TrainingRunEvents(
                // One-line messages only: the per-class tables of every trial's report stay in its report directory.
                message: { [events] text in if leader && !text.contains("\n") { events.message("\(label): " + text) } },
                stopRequest: { [unowned self] in self.trialStopRequest() },
                validationCompleted: { step, metric in
                    let goesOn = try promoted(step, metric)
                    if !goesOn { stoppedAtRung = true }
                    return goesOn
                })
            let run = try TrainingRun(configuration, world: group, events: trialEvents)
            totalSteps = run.totalSteps
            try run.resume()
            if let stopped = try stopAtUnheardRung(run, trial: id, checkpoints: configuration.checkpoints.directory, promoted: promoted) {
                if leader { events.message("\(label): stopped at rung step \(stopped.steps ?? 0), decided after the restart") }
                return .init(trial: id, status: .stoppedEarly, metric: stopped.metric, metricName: run.selection.rawValue,
                             steps: stopped.steps, digest: stopped.digest, message: nil, seconds: Date().timeIntervalSince(started))
            }
            let outcome = try run.run()
            let metric = run.history.entries.compactMap { $0.selectedMetric ?? $0.tunedChallengeMetric }.filter(\.isFinite).max()
            let status: SweepTrial.Status = outcome == .stopped ? .running : stoppedAtRung ? .stoppedEarly : .completed
            return .init(trial: id, status: status, metric: metric, metricName: run.selection.rawValue,
                         steps: run.trainer.globalStep, digest: run.finalParameterDigest?.description, message: nil,
                         seconds: Date().timeIntervalSince(started))
        } catch {
            if leader { events.message("\(label): failed: \(error)") }
            return .init(trial: id, status: .failed, metric: nil, metricName: nil, steps: nil, digest: nil, message: "\(error)",
                         seconds: Date().timeIntervalSince(started))
        }
    }

    /// A resumed trial's rung decisions for the validations before the step it resumes at, asked again: one it never
    /// heard (the sweep stopped while it waited for it, or was killed before the answer came) is decided now, with
    /// that validation's metric. If one stops it, the trial ends as in an uninterrupted sweep: at that validation's
    /// step, with the best metric up to it and the digest of that step's checkpoint (nil if it was pruned).
    private func stopAtUnheardRung(_ run: TrainingRun, trial id: Int, checkpoints: URL,
                                   promoted: (Int, Double) throws -> Bool) throws -> (steps: Int?, metric: Double?, digest: String?)? {
        let resumedAt = run.trainer.globalStep
        guard settings.halving != nil, resumedAt > 0 else { return nil }
        // The group's rank 0 holds the history: its validations as [step, metric] pairs.
        let validations = try group.decidedByRankZero(what: "could not read trial \(id)'s validations") {
            run.history.entries.filter { $0.globalStep <= resumedAt }
                .map { [Double($0.globalStep), $0.selectedMetric ?? $0.tunedChallengeMetric ?? .nan] }
        }
        for (index, validation) in validations.enumerated() where try !promoted(Int(validation[0]), validation[1]) {
            let step = Int(validation[0])
            let digest = try group.decidedByRankZero(what: "could not read trial \(id)'s checkpoint of step \(step)") { () throws -> String? in
                let url = CheckpointDirectory(url: checkpoints, keepLast: 1).fileURL(step: step)
                guard FileManager.default.fileExists(atPath: url.path) else { return nil }
                try CheckpointReader(url: url).restore(into: run.model, optimizer: nil)
                return ParameterDigest(of: run.model.parameters).description
            }
            return (step, validations[...index].map { $0[1] }.filter(\.isFinite).max(), digest)
        }
        return nil
    }

    /// A trial's stop wish on this rank: its own signal, the coordinator's stop (rank 0) or a stop notice (other leaders).
    /// Rank 0 answers the other groups' requests here, between the steps of its own trial.
    private func trialStopRequest() -> String? {
        if let coordinator {
            do {
                try coordinator.service()
            } catch {
                world.abort(message: "dist-train sweep: the coordinator failed: \(error)")
            }
            if let own = events.stopRequest() { coordinator.requestStop(cause: own) }
            return coordinator.stopping ? (events.stopRequest() ?? "the sweep's stop") : nil
        }
        if group.rank == 0 && !stopNoticed {
            stopNoticed = (try? world.receiveIfArrived(tag: Self.stopTag, from: 0)) != nil
        }
        return events.stopRequest() ?? (stopNoticed ? "the sweep's stop" : nil)
    }

    /// A request answered by the coordinator: directly on rank 0, by message from other group leaders.
    private func ask(_ request: SweepRequest) throws -> SweepReply {
        if let coordinator { return try coordinator.handle(request, ownStop: events.stopRequest) }
        try world.send(Array(try SweepState.encoder.encode(request)), to: 0, tag: Self.requestTag)
        return try SweepState.decoder.decode(SweepReply.self, from: Data(try world.receive(tag: Self.replyTag, from: 0)))
    }
}

/// A group leader's message to the coordinator: "my trial ended (with this result), what next?" or "my trial reached a
/// rung with this metric, does it go on?".
struct SweepRequest: Codable {
    enum Kind: String, Codable { case next, rung }

    struct Result: Codable {
        let trial: Int
        let status: SweepTrial.Status
        let metric: Double?
        let metricName: String?
        let steps: Int?
        let digest: String?
        let message: String?
        let seconds: Double
    }

    var kind: Kind
    var group: Int
    var result: Result?
    var stopWish = false
    var trial: Int?
    var step: Int?
    var metric: Double?
}

/// The coordinator's answer: a trial to run (or none: the group is done), or a rung decision.
struct SweepReply: Codable {
    enum Kind: String, Codable { case trial, done, decision }

    var kind: Kind
    var trial: Int?
    var values: [String: SweepValue]?
    var promoted: Bool?
}
