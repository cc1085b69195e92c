import DistTensor
import Foundation

/// Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter Tuning", 2020), in its
/// stopping form: rungs at `minSteps * eta^k` steps; a trial reaching a rung goes on only if its validation metric is
/// at least the `1 - 1/eta` quantile of the metrics at that rung of the trials before it and its own, so about the top
/// 1/eta go on. The sweep's coordinator decides, so no group decides alone, and waits for the trials before it to
/// reach the rung, so no decision depends on which group was faster.
public struct SuccessiveHalving: Sendable, Equatable, Codable {
    public let minSteps: Int
    public let eta: Int

    public init(minSteps: Int, eta: Int) throws(SweepError) {
        guard minSteps >= 1 else { throw .invalidSetting("--asha-min-steps must be at least 1.") }
        guard eta >= 2 else { throw .invalidSetting("--asha-eta must be at least 2.") }
        self.minSteps = minSteps
        self.eta = eta
    }

    /// The highest rung at or below `step` that is before the end of a run of `totalSteps`, if any.
    public func rung(atOrBelow step: Int, totalSteps: Int) -> Int? {
        var rung = minSteps, reached: Int?
        while rung <= step && rung < totalSteps {
            reached = rung
            rung *= eta
        }
        return reached
    }

    /// Whether a trial with `metric` at a rung goes on, given every metric recorded there (including its own).
    public func promotes(_ metric: Double, recorded: [Double]) -> Bool {
        guard metric.isFinite else { return false }
        let sorted = recorded.filter(\.isFinite).sorted()
        guard sorted.count > 1 else { return true }
        // Linear interpolation between closest ranks, as numpy's percentile.
        let position = (1 - 1 / Double(eta)) * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        let cutoff = sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
        return metric >= cutoff
    }
}

/// One trial of a sweep as its state file keeps it.
public struct SweepTrial: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Handed to a group (or interrupted while it ran): a restarted sweep resumes it from its checkpoints.
        case running
        case completed
        /// Ended at a rung by successive halving.
        case stoppedEarly = "stopped early"
        case failed
    }

    /// A rung's record: the metric reported there and the coordinator's decision.
    public struct Rung: Sendable, Codable, Equatable {
        public let metric: Double
        public let promoted: Bool

        public init(metric: Double, promoted: Bool) {
            self.metric = metric
            self.promoted = promoted
        }
    }

    public let id: Int
    public let values: [String: SweepValue]
    public var status: Status
    /// The best validation metric (the run's selection metric), nil before the first validation or for a failure.
    public var metric: Double?
    public var metricName: String?
    public var steps: Int?
    public var digest: String?
    /// Why a trial failed.
    public var message: String?
    /// Wall-clock seconds of its (last) run.
    public var seconds: Double?
    /// Rung step (as text, for JSON) to its record.
    public var rungs: [String: Rung] = [:]

    public init(id: Int, values: [String: SweepValue], status: Status) {
        self.id = id
        self.values = values
        self.status = status
    }

    /// The trial's directory name under the sweep directory's `trials/`.
    public var name: String { String(format: "trial-%03d", id) }
}

/// The sweep's state file, `<sweep-dir>/sweep-state.json`: which command it belongs to and every trial so far. Rewritten
/// atomically (temporary file, fsync, rename) after every change, so a killed sweep leaves the last complete state.
public struct SweepState: Sendable, Codable, Equatable {
    public static let formatVersion = 1
    public var version = formatVersion
    /// What must be the same to continue the sweep: the sweep options and the base train options.
    public let identity: String
    public var trials: [SweepTrial] = []

    public init(identity: String) {
        self.identity = identity
    }

    public static func url(in directory: URL) -> URL { directory.appendingPathComponent("sweep-state.json") }

    /// The state in `directory` if there is one (it must belong to `identity`), else a new one.
    public static func load(from directory: URL, identity: String) throws(SweepError) -> SweepState {
        let url = url(in: directory)
        guard FileManager.default.fileExists(atPath: url.path) else { return SweepState(identity: identity) }
        let state: SweepState
        do {
            state = try decoder.decode(SweepState.self, from: Data(contentsOf: url))
        } catch {
            throw .foreignState(file: url.path, reason: "is not a sweep state this version reads (\(error))")
        }
        guard state.version == formatVersion else {
            throw .foreignState(file: url.path, reason: "has format version \(state.version), this version writes \(formatVersion)")
        }
        guard state.identity == identity else {
            throw .foreignState(file: url.path, reason: "belongs to another sweep (\(state.identity)), not to this command (\(identity))")
        }
        return state
    }

    public func save(in directory: URL) throws(SweepError) {
        let url = Self.url(in: directory)
        do {
            try DurableFileOperations.write(try Self.encoder.encode(self), to: url)
        } catch {
            throw .unwritableState(file: url.path, reason: "\(error)")
        }
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}

extension SweepState {
    /// The trials a TPE proposal for trial `id` is conditioned on when `groups` groups run trials side by side: every
    /// trial before `id - groups + 1` (all of them ended), so the proposal does not depend on which trials happened to
    /// end first. Nil while one of them still runs: the group asking waits. With one group: every trial before `id`.
    public func observations(forTrial id: Int, groups: Int) -> [SweepObservation]? {
        let conditioned = trials.prefix(max(0, id - groups + 1))
        guard conditioned.allSatisfy({ $0.status != .running }) else { return nil }
        return conditioned.map { SweepObservation(values: $0.values, metric: $0.metric ?? -.infinity) }
    }

    /// The metrics trial `id` is compared with at the rung of `step` steps: those of the trials before it, each of which
    /// has reached the rung or ended without it, so a decision does not depend on which trial reached the rung first.
    /// Nil while a trial before it runs and has not reached the rung yet.
    public func rungMetrics(beforeTrial id: Int, step: String) -> [Double]? {
        var metrics: [Double] = []
        for trial in trials.prefix(id) {
            if let rung = trial.rungs[step] {
                metrics.append(rung.metric)
            } else if trial.status == .running {
                return nil
            }
        }
        return metrics
    }
}
