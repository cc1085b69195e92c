import DistTensor
import Foundation

/// Simulated records in the style of the PhysioNet/CinC Challenge 2017: one lead (II) at 300 Hz, 9 to 30 s long,
/// each labelled N (normal sinus rhythm), A (atrial fibrillation: irregular RR intervals, no P waves), O (another
/// rhythm: PVCs, 1st-degree AV block, a bundle branch block or atrial flutter) or ~ (too noisy to classify: heavy
/// electrode-motion noise over the ECG), as in that Challenge's `REFERENCE.csv`.
///
/// N, A and O records are records of `ECGSimulator` whose drawn findings fit the class, found by trying the
/// simulator's records `index * 256 + k` for k = 0, 1, ... in turn, so record `index` is a pure function of
/// `(seed, index)` like the simulator's. A noisy record is a simulated record with its lead buried in noise.
public struct CinC2017Simulator: Sendable {
    /// Samples per second (CinC 2017's rate).
    public static let samplingRate = 300.0
    /// Record lengths drawn, in seconds.
    public static let durations: ClosedRange<Double> = 9...30
    /// Class probabilities, in `ECGTask.cinc2017Classes` order (N, A, O, ~): unbalanced, as the Challenge's set.
    public static let classWeights = [0.5, 0.15, 0.25, 0.1]

    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// One record: lead II in millivolts and its class label (N, A, O or ~).
    public struct Record: Sendable {
        public let label: String
        public let leadII: [Float]
        public let age: Int
        public let sex: String

        /// The record as an `ECGRecord` named `id` in `directory` (no Dx codes: the label goes to REFERENCE.csv).
        public func record(id: String, in directory: URL) -> ECGRecord {
            ECGRecord(id: id, samplingFrequency: CinC2017Simulator.samplingRate, leadNames: ["II"], signals: [leadII],
                      age: Double(age), sex: ECGSex(headerText: sex) ?? .unknown, sourceDirectory: directory)
        }
    }

    /// Record number `index` (non-negative).
    public func record(at index: Int) -> Record {
        var random = RandomStream(seed: seed, UInt64(bitPattern: Int64(index)), 0xC1_2017)
        let label = ECGTask.cinc2017Classes[random.pick(weights: Self.classWeights)].code
        let duration = (random.uniform(Self.durations) * 10).rounded() / 10
        // The supported range of the simulator includes these lengths and the rate, so this cannot throw.
        let simulator = try! ECGSimulator(seed: seed ^ 0x2017,
                                          configuration: .init(samplingRate: Self.samplingRate, duration: duration))
        let leadII = SimulatedECG.leadNames.firstIndex(of: "II")!
        var candidate = simulator.record(at: index * 256)
        if label != "~" {
            for k in 1..<256 where !Self.fits(candidate, label) {
                candidate = simulator.record(at: index * 256 + k)
            }
        }
        var signal = candidate.leads[leadII]
        if label == "~" { Self.bury(&signal, using: &random) }
        return Record(label: label, leadII: signal, age: candidate.age, sex: candidate.sex)
    }

    /// Whether a simulated record's findings are those of class `label` (N, A or O).
    static func fits(_ simulation: SimulatedECG, _ label: String) -> Bool {
        let other: Set<ECGCondition> = [.prematureVentricularContractions, .firstDegreeAVBlock, .rightBundleBranchBlock,
                                        .leftBundleBranchBlock, .atrialFlutter]
        let conditions = Set(simulation.conditions)
        switch label {
        case "A": return simulation.truth.rhythm == .atrialFibrillation
        case "O": return simulation.truth.rhythm != .atrialFibrillation && !conditions.isDisjoint(with: other)
        default: return simulation.truth.rhythm == .sinus && conditions.isDisjoint(with: other)
        }
    }

    /// Buries `signal` under electrode-motion noise: a wandering baseline of 1-3 mV, steps and spikes, and white
    /// noise of 0.2-0.5 mV, with the ECG itself scaled down to 20-50 %.
    static func bury(_ signal: inout [Float], using random: inout RandomStream) {
        let scale = random.uniform(0.2...0.5)
        let white = random.uniform(0.2...0.5)
        let wander = random.uniform(1...3)
        let stepChance = 3 / samplingRate
        var drift = 0.0, level = 0.0
        for index in signal.indices {
            drift += random.nextNormal() * 0.08
            drift *= 0.995
            if random.chance(stepChance) { level = random.uniform(-1...1) * wander }
            let spike = random.chance(0.002) ? random.uniform(-4...4) : 0
            signal[index] = Float(scale * Double(signal[index]) + wander * drift + level + spike + white * random.nextNormal())
        }
    }
}
