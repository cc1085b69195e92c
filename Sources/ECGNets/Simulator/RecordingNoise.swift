import DistTensor
import Foundation

/// The disturbances of a real recording, drawn per electrode so that the limb leads built from them keep
/// Einthoven's and Goldberger's relations (III = II − I, and so on) exactly, as in a real 12-lead machine.
///
/// Each of the nine electrodes (RA, LA, LL, V1–V6) gets baseline wander (respiration plus slow drift, mild in
/// most records and strong in some), white measurement noise of 3–10 µV, muscle noise (white noise differenced
/// to move its power to high frequencies, in bursts, mostly on the limb electrodes) and, if asked for, powerline
/// interference at 50 or 60 Hz.
struct RecordingNoise {
    /// Electrodes in plane order: RA, LA, LL, V1, V2, V3, V4, V5, V6.
    static let electrodeCount = 9
    /// Index of the first chest electrode (V1).
    static let firstChestElectrode = 3

    let sampleCount: Int
    /// The samples of electrode 0, then of electrode 1, and so on, in mV.
    private(set) var planes: [Double]

    /// Noise for a record of `sampleCount` samples at `samplingRate` Hz; `breathing` is the respiratory frequency
    /// in Hz and `powerlineFrequency` the mains frequency to add (nil for none). The same random numbers are
    /// drawn with or without powerline interference, so switching it on adds a pure sinusoid and nothing else.
    init(sampleCount: Int, samplingRate: Double, breathing: Double, powerlineFrequency: Double?,
         using random: inout RandomStream) {
        self.sampleCount = sampleCount
        planes = [Double](repeating: 0, count: RecordingNoise.electrodeCount * sampleCount)

        let wanderSeverity = random.chance(0.7) ? random.uniform(0.3...1) : random.uniform(1...2.5)
        let whiteLevel = random.uniform(0.003...0.01)
        let muscleLevel = random.chance(0.85) ? random.uniform(0.002...0.012) : random.uniform(0.012...0.025)
        let bursts = MuscleBursts(duration: Double(sampleCount) / samplingRate, using: &random)
        let powerlinePhase = random.phase()

        let count = sampleCount
        let rate = samplingRate
        let envelope = (0..<count).map { bursts.envelope(at: Double($0) / rate) }
        let mains = (0..<count).map { index in
            powerlineFrequency.map { sin(2 * Double.pi * $0 * Double(index) / rate + powerlinePhase) } ?? 0
        }
        var wander = [[Double]](repeating: [Double](repeating: 0, count: count), count: 3)
        for electrode in 0..<RecordingNoise.electrodeCount {
            let muscleWeight = electrode < RecordingNoise.firstChestElectrode ? 1.0 : 0.5
            let components = [(random.uniform(0...0.06), breathing, random.phase()),
                              (random.uniform(0...0.08), random.uniform(0.03...0.2), random.phase()),
                              (random.uniform(0...0.08), random.uniform(0.03...0.2), random.phase())]
            for (slot, component) in components.enumerated() {
                Self.sinusoid(into: &wander[slot], amplitude: component.0 * wanderSeverity, frequency: component.1,
                              phase: component.2, samplingRate: rate)
            }
            let powerlineAmplitude = random.uniform(0.002...0.02)
            var previousMuscle = random.nextNormal()
            planes.withUnsafeMutableBufferPointer { buffer in
                envelope.withUnsafeBufferPointer { envelope in
                    mains.withUnsafeBufferPointer { mains in
                        let base = electrode * count
                        for index in 0..<count {
                            var value = whiteLevel * random.nextNormal()
                            let muscle = random.nextNormal()
                            value += muscleLevel * muscleWeight * envelope[index] * (muscle - previousMuscle)
                                / 2.0.squareRoot()
                            previousMuscle = muscle
                            value += wander[0][index]
                            value += wander[1][index]
                            value += wander[2][index]
                            buffer[base + index] = value + powerlineAmplitude * mains[index]
                        }
                    }
                }
            }
        }
    }

    /// Samples between exact restarts of `sinusoid`'s rotation.
    private static let rotationRun = 256

    /// Writes `amplitude · sin(2π · frequency · index / samplingRate + phase)` for every index of `values`. The sine
    /// and cosine are rotated by one sample's angle at a time and restarted from libm's `sin` and `cos` every
    /// `rotationRun` samples, so rounding cannot build up (a few ulps at most); a sine per sample was a fifth of
    /// `synth`'s time (perf, 300 records) and this makes it about a hundredth.
    private static func sinusoid(into values: inout [Double], amplitude: Double, frequency: Double, phase: Double,
                                 samplingRate: Double) {
        let step = 2 * Double.pi * frequency / samplingRate
        let (stepSine, stepCosine) = (sin(step), cos(step))
        var start = 0
        while start < values.count {
            let angle = 2 * Double.pi * frequency * (Double(start) / samplingRate) + phase
            var (sine, cosine) = (sin(angle), cos(angle))
            for index in start..<min(start + rotationRun, values.count) {
                values[index] = amplitude * sine
                (sine, cosine) = (sine * stepCosine + cosine * stepSine, cosine * stepCosine - sine * stepSine)
            }
            start += rotationRun
        }
    }
}

extension RecordingNoise {
    /// Adds `value` mV to electrode `electrode` at sample `sample`.
    mutating func add(_ value: Double, electrode: Int, sample: Int) {
        planes[electrode * sampleCount + sample] += value
    }
}

/// The occasional faults of a real recording on top of the steady noise every record has, drawn when
/// `ECGSimulator.Configuration.artifacts` is on (off by default), each with its own probability per record:
/// electrode motion (25 %: one electrode jumps by 0.5–2 mV one to three times and settles back over 0.15–0.6 s
/// with a damped 1.5–4 Hz swing, as when a patient moves or an electrode is pressed), mains interference (30 %
/// when no `powerlineFrequency` is set: 50 or 60 Hz at 5–50 µV per electrode), amplifier saturation (4 %: one
/// electrode drifts 1–3 mV past the ±5 mV input range for 1–3 s and every lead is clipped at that range) and a
/// lead off (3 %: one lead stored as zeros throughout, as recorders write a disconnected lead). Drawn from their
/// own random stream, so a record with artifacts on but none drawn is bit for bit the record without them, and
/// the difference between the two is exactly the artifacts.
public struct RecordingArtifacts: Sendable, Equatable {
    /// One electrode-motion transient.
    public struct Motion: Sendable, Equatable {
        /// Electrode index in RA, LA, LL, V1–V6 order.
        public let electrode: Int
        /// Start of the jump, in seconds.
        public let time: Double
        /// Size of the jump, in mV (either sign).
        public let step: Double
    }

    /// Input range of the simulated amplifier, in mV: saturated samples sit at ±this value.
    public static let saturationLimit = 5.0

    public internal(set) var motions: [Motion] = []
    /// Mains frequency added by the artifacts (not the configuration's `powerlineFrequency`), in Hz.
    public internal(set) var mainsFrequency: Double?
    /// An electrode driven past the amplifier's range for a stretch of the record.
    public struct Saturation: Sendable, Equatable {
        /// Electrode index in RA, LA, LL, V1–V6 order.
        public let electrode: Int
        /// Start and length of the drift, in seconds.
        public let start: Double, duration: Double
    }

    public internal(set) var saturation: Saturation?
    /// Index (in `SimulatedECG.leadNames`) of the lead stored as zeros.
    public internal(set) var flatLead: Int?

    /// Whether nothing was drawn.
    public var isEmpty: Bool { motions.isEmpty && mainsFrequency == nil && saturation == nil && flatLead == nil }

    /// The artifacts of a record of `duration` seconds; `hasMains` is false when the configuration already adds
    /// powerline interference.
    static func draw(duration: Double, hasMains: Bool, using random: inout RandomStream) -> RecordingArtifacts {
        var artifacts = RecordingArtifacts()
        if random.chance(0.25) {
            let electrode = random.nextIndex(below: RecordingNoise.electrodeCount)
            for _ in 0...random.pick(weights: [0.5, 0.3, 0.2]) {
                let sign: Double = random.chance(0.5) ? 1 : -1
                artifacts.motions.append(Motion(electrode: electrode, time: random.uniform(0...(duration - 0.5)),
                                                step: sign * random.uniform(0.5...2)))
            }
        }
        let mains = random.chance(0.3)
        let frequency: Double = random.chance(0.5) ? 50 : 60
        if mains && hasMains { artifacts.mainsFrequency = frequency }
        if random.chance(0.04) {
            let stretch = random.uniform(1...3)
            artifacts.saturation = Saturation(electrode: random.nextIndex(below: RecordingNoise.electrodeCount),
                                              start: random.uniform(0...max(0, duration - stretch)), duration: stretch)
        }
        if random.chance(0.03) { artifacts.flatLead = random.nextIndex(below: 12) }
        return artifacts
    }

    /// Adds the electrode-level artifacts (motion, mains, the drift into saturation) to `noise`.
    func add(to noise: inout RecordingNoise, samplingRate rate: Double, using random: inout RandomStream) {
        let count = noise.sampleCount
        for motion in motions {
            let recovery = random.uniform(0.15...0.6), swing = random.uniform(1.5...4), phase = random.phase()
            let first = max(0, Int((motion.time * rate).rounded(.up)))
            for index in first..<count {
                let elapsed = Double(index) / rate - motion.time
                let decay = exp(-elapsed / recovery)
                guard decay > 1e-4 else { break }
                noise.add(motion.step * decay * (0.7 + 0.3 * cos(2 * Double.pi * swing * elapsed + phase)),
                          electrode: motion.electrode, sample: index)
            }
        }
        if let mainsFrequency {
            for electrode in 0..<RecordingNoise.electrodeCount {
                let amplitude = random.uniform(0.005...0.05), phase = random.phase()
                for index in 0..<count {
                    noise.add(amplitude * sin(2 * Double.pi * mainsFrequency * Double(index) / rate + phase),
                              electrode: electrode, sample: index)
                }
            }
        }
        if let saturation {
            let excess = Self.saturationLimit + random.uniform(1...3)
            let sign: Double = random.chance(0.5) ? 1 : -1
            let first = max(0, Int(saturation.start * rate))
            let last = min(count, Int((saturation.start + saturation.duration) * rate))
            for index in first..<last {
                // A raised-cosine drift that spends its middle past the range.
                let progress = Double(index - first) / Double(max(1, last - first))
                let shape = min(1, 1 - cos(2 * Double.pi * progress))
                noise.add(sign * excess * shape, electrode: saturation.electrode, sample: index)
            }
        }
    }

    /// Clips every lead at the amplifier's range (when saturation was drawn) and zeros the flat lead.
    func apply(to leads: inout [[Float]]) {
        if saturation != nil {
            let limit = Float(Self.saturationLimit)
            for lead in leads.indices { leads[lead] = leads[lead].map { min(max($0, -limit), limit) } }
        }
        if let flatLead { leads[flatLead] = [Float](repeating: 0, count: leads[flatLead].count) }
    }
}

/// The loudness over time of muscle noise: a floor of 1 with zero to three bursts of about 0.2–0.8 s.
private struct MuscleBursts {
    private var bursts: [(time: Double, width: Double, height: Double)] = []

    init(duration: Double, using random: inout RandomStream) {
        let count = random.pick(weights: [0.4, 0.3, 0.2, 0.1])
        for _ in 0..<count {
            bursts.append((random.uniform(0...duration), random.uniform(0.1...0.4), random.uniform(0.5...1.5)))
        }
    }

    /// The factor on muscle noise at `time` seconds.
    func envelope(at time: Double) -> Double {
        bursts.reduce(1) { total, burst in
            let z = (time - burst.time) / burst.width
            return total + burst.height * exp(-0.5 * z * z)
        }
    }
}
