import DistTensor
import Foundation

/// World rank 0's part of a sweep: the state file, the search, which group runs which trial, successive-halving
/// decisions, the stop of every group, and the results.
final class SweepCoordinator {
    private let settings: SweepSettings
    private let world: Communicator
    private let configure: ([String: SweepValue]) throws -> TrainingRunConfiguration
    private let message: (String) -> Void
    private let search: SweepSearch
    private var state: SweepState
    /// Trials to run in all.
    let budget: Int
    /// Trials the state file held when the sweep started.
    let resumedTrials: Int
    private let groups: Int
    /// The trial each group runs now.
    private var busy: [Int: Int] = [:]
    /// Groups told there is nothing more to run.
    private var finishedGroups: Set<Int> = []
    private(set) var stopping = false
    private var notified: Set<Int> = []
    /// Each group's request that has not been answered yet, with the world rank to answer (nil: rank 0's own group).
    private var pending: [Int: (request: SweepRequest, source: Int?)] = [:]

    init(settings: SweepSettings, groups: Int, world: Communicator,
         configure: @escaping ([String: SweepValue]) throws -> TrainingRunConfiguration, message: @escaping (String) -> Void) throws {
        self.settings = settings
        self.world = world
        self.configure = configure
        self.message = message
        self.groups = groups
        search = SweepSearch(space: settings.space, kind: settings.search, seed: settings.seed, startupTrials: settings.startupTrials)
        let gridSize = settings.search == .grid ? try settings.space.grid().count : Int.max
        budget = min(settings.trials ?? gridSize, gridSize)
        state = try SweepState.load(from: settings.directory, identity: settings.identity)
        resumedTrials = state.trials.count
        try state.save(in: settings.directory)
    }

    /// Answers one request of rank 0's own group, answering the other groups' requests while the answer has to wait
    /// (see `reply(toGroup:)`); `ownStop` is rank 0's stop wish, which stops the sweep meanwhile.
    func handle(_ request: SweepRequest, ownStop: () -> String?) throws -> SweepReply {
        try take(request, from: nil)
        while true {
            if let reply = try reply(toGroup: request.group) { return reply }
            if let cause = ownStop() { requestStop(cause: cause) }
            try service()
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    /// Takes a request (a trial's end is recorded at once); its answer comes from `reply(toGroup:)`. `source` is the
    /// world rank to send the answer to, nil for rank 0's own group.
    private func take(_ request: SweepRequest, from source: Int?) throws {
        if request.kind == .next {
            busy[request.group] = nil
            if let result = request.result { try record(result) }
            if request.stopWish { requestStop(cause: "a stop request of group \(request.group)") }
        }
        pending[request.group] = (request, source)
    }

    /// The answer to a group's pending request, or nil while it cannot be given without depending on which trials
    /// happened to end first: a TPE proposal waits for the trials it is conditioned on, a rung decision for the trials
    /// before it to reach the rung (`SweepState.observations(forTrial:groups:)`, `rungMetrics(beforeTrial:step:)`).
    /// So the same sweep command gives the same trials and decisions however many groups run them and however fast.
    private func reply(toGroup group: Int) throws -> SweepReply? {
        guard let (request, _) = pending[group] else { return nil }
        let reply: SweepReply
        switch request.kind {
        case .next:
            if stopping {
                reply = SweepReply(kind: .done)
            } else {
                switch try nextTrial() {
                case .waiting: return nil
                case .exhausted: reply = SweepReply(kind: .done)
                case let .trial(id):
                    busy[group] = id
                    reply = SweepReply(kind: .trial, trial: id, values: state.trials[id].values)
                }
            }
            if reply.kind == .done { finishedGroups.insert(group) }
        case .rung:
            guard let id = request.trial, let step = request.step, let halving = settings.halving, state.trials.indices.contains(id) else {
                reply = SweepReply(kind: .decision, promoted: true)
                break
            }
            let key = String(step)
            if let known = state.trials[id].rungs[key] {
                reply = SweepReply(kind: .decision, promoted: known.promoted)
            } else if stopping {
                // The trials it waits for are stopping too: it goes on to the stop, its rung left undecided.
                reply = SweepReply(kind: .decision, promoted: true)
            } else {
                guard let earlier = state.rungMetrics(beforeTrial: id, step: key) else { return nil }
                let metric = request.metric ?? .nan
                let promoted = halving.promotes(metric, recorded: earlier + [metric])
                state.trials[id].rungs[key] = SweepTrial.Rung(metric: metric, promoted: promoted)
                try state.save(in: settings.directory)
                message("dist-train sweep: trial \(id) at rung \(step) steps: \(ValidationRound.format(metric)) "
                        + (promoted ? "goes on" : "stopped (below the top 1/\(halving.eta) of \(earlier.count + 1) at this rung)"))
                reply = SweepReply(kind: .decision, promoted: promoted)
            }
        }
        pending[group] = nil
        return reply
    }

    /// A trial's end: kept in the state (an interrupted one stays `running`, to be resumed), results rewritten.
    private func record(_ result: SweepRequest.Result) throws {
        guard state.trials.indices.contains(result.trial) else { return }
        var trial = state.trials[result.trial]
        trial.status = result.status
        trial.metric = result.metric
        trial.metricName = result.metricName ?? trial.metricName
        trial.steps = result.steps
        trial.digest = result.digest
        trial.message = result.message
        trial.seconds = (trial.seconds ?? 0) + result.seconds
        state.trials[result.trial] = trial
        try state.save(in: settings.directory)
        if result.status == .running {
            requestStop(cause: "an interrupted trial")
        } else {
            message("dist-train sweep: trial \(trial.id) \(trial.status.rawValue)"
                    + (trial.metric.map { ", \(trial.metricName ?? "metric") \(ValidationRound.format($0))" } ?? "")
                    + (trial.steps.map { ", \($0) steps" } ?? "") + (trial.message.map { ": \($0)" } ?? ""))
            try SweepResults(state: state, space: settings.space).write(in: settings.directory)
        }
    }

    /// What `nextTrial` found: a trial to run, none left, or a TPE proposal that waits for earlier trials to end.
    private enum NextTrial { case trial(Int), exhausted, waiting }

    /// The trial to hand out next: an interrupted one first, then a new one.
    private func nextTrial() throws -> NextTrial {
        if let waiting = state.trials.first(where: { $0.status == .running && !busy.values.contains($0.id) }) {
            message("dist-train sweep: resuming trial \(waiting.id) from its checkpoints")
            return .trial(waiting.id)
        }
        while state.trials.count < budget {
            let id = state.trials.count
            // TPE past its random start-up trials is conditioned on a fixed set of earlier trials, once they have ended.
            var observations: [SweepObservation] = []
            if settings.search == .tpe && id - groups + 1 >= settings.startupTrials {
                guard let ended = state.observations(forTrial: id, groups: groups) else { return .waiting }
                observations = ended
            }
            let values = try search.suggest(index: id, observations: observations)
            var trial = SweepTrial(id: id, values: values, status: .running)
            do {
                _ = try configure(values)
            } catch {
                trial.status = .failed
                trial.message = "\(error)"
                message("dist-train sweep: trial \(id) failed: \(error)")
            }
            state.trials.append(trial)
            try state.save(in: settings.directory)
            if trial.status == .running { return .trial(id) }
            try SweepResults(state: state, space: settings.space).write(in: settings.directory)
        }
        return .exhausted
    }

    /// Stops the sweep: no new trials, and every other group's trial is told to stop after its next step.
    func requestStop(cause: String) {
        if !stopping { message("dist-train sweep: stopping (\(cause)); running trials save checkpoints, the same command continues") }
        stopping = true
        for (group, _) in busy where group != 0 && !notified.contains(group) {
            try? world.send([1], to: group * settings.ranksPerTrial, tag: Sweep.stopTag)
            notified.insert(group)
        }
    }

    /// Takes every request that has arrived and sends every answer that can be given.
    func service() throws {
        if stopping { requestStop(cause: "") }
        while let (source, bytes) = try world.receiveIfArrived(tag: Sweep.requestTag) {
            try take(try SweepState.decoder.decode(SweepRequest.self, from: Data(bytes)), from: source)
        }
        for (group, (_, source)) in pending.sorted(by: { $0.key < $1.key }) {
            guard let source, let reply = try reply(toGroup: group) else { continue }
            try world.send(Array(try SweepState.encoder.encode(reply)), to: source, tag: Sweep.replyTag)
        }
    }

    /// Answers requests, sleeping between looks, until every group has been told it is done; `ownStop` is rank 0's
    /// stop wish (a signal), which stops the other groups too.
    func serviceUntilGroupsFinish(ownStop: () -> String?) throws {
        while finishedGroups.count < groups {
            if let cause = ownStop() { requestStop(cause: cause) }
            try service()
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    /// Writes the results (every trial ranked) and says where they are.
    func finish() throws {
        try state.save(in: settings.directory)
        let results = SweepResults(state: state, space: settings.space)
        try results.write(in: settings.directory)
        if stopping {
            message("dist-train sweep: stopped; \(state.trials.filter { $0.status != .running }.count) of \(budget) trial(s) "
                    + "finished; exiting with status \(TrainingOutcome.resumableExitStatus) (run the same command to continue)")
        } else {
            message(results.table)
            message("dist-train sweep: results in \(settings.directory.path)/results.{txt,csv,json}, plot results.svg, "
                    + "best trial's checkpoints in \(settings.directory.path)/best")
        }
    }
}
