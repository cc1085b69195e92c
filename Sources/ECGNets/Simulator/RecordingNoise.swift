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
        for electrode in 0..<RecordingNoise.electrodeCount {
            let muscleWeight = electrode < RecordingNoise.firstChestElectrode ? 1.0 : 0.5
            let wander = [(random.uniform(0...0.06), breathing, random.phase()),
                          (random.uniform(0...0.08), random.uniform(0.03...0.2), random.phase()),
                          (random.uniform(0...0.08), random.uniform(0.03...0.2), random.phase())]
                .map { (amplitude: $0.0 * wanderSeverity, frequency: $0.1, phase: $0.2) }
            let powerlineAmplitude = random.uniform(0.002...0.02)
            var previousMuscle = random.nextNormal()
            planes.withUnsafeMutableBufferPointer { buffer in
                envelope.withUnsafeBufferPointer { envelope in
                    mains.withUnsafeBufferPointer { mains in
                        let base = electrode * count
                        for index in 0..<count {
                            let time = Double(index) / rate
                            var value = whiteLevel * random.nextNormal()
                            let muscle = random.nextNormal()
                            value += muscleLevel * muscleWeight * envelope[index] * (muscle - previousMuscle)
                                / 2.0.squareRoot()
                            previousMuscle = muscle
                            for component in wander {
                                value += component.amplitude
                                    * sin(2 * Double.pi * component.frequency * time + component.phase)
                            }
                            buffer[base + index] = value + powerlineAmplitude * mains[index]
                        }
                    }
                }
            }
        }
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
