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

    /// Answers one request.
    func handle(_ request: SweepRequest) throws -> SweepReply {
        switch request.kind {
        case .next:
            busy[request.group] = nil
            if let result = request.result { try record(result) }
            if request.stopWish { requestStop(cause: "a stop request of group \(request.group)") }
            guard !stopping, let id = try nextTrial() else {
                finishedGroups.insert(request.group)
                return SweepReply(kind: .done)
            }
            busy[request.group] = id
            return SweepReply(kind: .trial, trial: id, values: state.trials[id].values)
        case .rung:
            guard let id = request.trial, let step = request.step, let halving = settings.halving, state.trials.indices.contains(id) else {
                return SweepReply(kind: .decision, promoted: true)
            }
            let key = String(step)
            if let known = state.trials[id].rungs[key] { return SweepReply(kind: .decision, promoted: known.promoted) }
            let metric = request.metric ?? .nan
            let recorded = state.trials.compactMap { $0.rungs[key]?.metric } + [metric]
            let promoted = halving.promotes(metric, recorded: recorded)
            state.trials[id].rungs[key] = SweepTrial.Rung(metric: metric, promoted: promoted)
            try state.save(in: settings.directory)
            message("dist-train sweep: trial \(id) at rung \(step) steps: \(ValidationRound.format(metric)) "
                    + (promoted ? "goes on" : "stopped (below the top 1/\(halving.eta) of \(recorded.count) at this rung)"))
            return SweepReply(kind: .decision, promoted: promoted)
        }
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

    /// The trial to hand out next: an interrupted one first, then a new one; nil when every trial is handed out.
    private func nextTrial() throws -> Int? {
        if let waiting = state.trials.first(where: { $0.status == .running && !busy.values.contains($0.id) }) {
            message("dist-train sweep: resuming trial \(waiting.id) from its checkpoints")
            return waiting.id
        }
        while state.trials.count < budget {
            let observations = state.trials.filter { $0.status != .running }
                .map { SweepObservation(values: $0.values, metric: $0.metric ?? -.infinity) }
            let id = state.trials.count
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
            if trial.status == .running { return id }
            try SweepResults(state: state, space: settings.space).write(in: settings.directory)
        }
        return nil
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

    /// Answers every request that has arrived.
    func service() throws {
        if stopping { requestStop(cause: "") }
        while let (source, bytes) = try world.receiveIfArrived(tag: Sweep.requestTag) {
            let request = try SweepState.decoder.decode(SweepRequest.self, from: Data(bytes))
            let reply = try handle(request)
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
