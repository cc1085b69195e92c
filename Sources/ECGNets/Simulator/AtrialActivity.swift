import DistTensor
import Foundation

/// Continuous atrial activity that replaces P waves: fibrillatory f waves or flutter F waves.
enum AtrialActivity {
    /// Adds f waves of atrial fibrillation, multiplied by `scale`, to `trace` and returns their mean rate per
    /// minute.
    ///
    /// The waves are an oscillation whose frequency wanders slowly inside 4–9 Hz (the fibrillatory band, e.g.
    /// Bollmann et al., Europace 8:911–926, 2006), with a second harmonic, a slowly varying amplitude of
    /// 0.03–0.09 mV and a slowly turning direction that favours V1, where f waves are seen best.
    static func addFibrillation(to trace: inout HeartVectorTrace, scale: Double,
                                using random: inout RandomStream) -> Double {
        let meanFrequency = random.uniform(5.5...7.5)
        let frequencySwing = min(1.2, meanFrequency - 4.2, 8.8 - meanFrequency) * random.uniform(0.5...1)
        let size = scale * random.uniform(0.03...0.09)
        let harmonic = random.uniform(0.1...0.35)
        let harmonicPhase = random.phase()
        let main = random.direction(near: SIMD3(0.1, 0.35, -0.93), spread: 0.15)
        let secondary = random.direction(near: SIMD3(0.7, 0.5, 0.2), spread: 0.15)
        let frequency = SlowModulation(using: &random)
        let amplitude = SlowModulation(using: &random)
        let turning = SlowModulation(using: &random)
        let rate = trace.samplingRate
        var phase = random.phase()
        trace.add { index in
            let time = Double(index) / rate
            let wave = sin(phase) + harmonic * sin(2 * phase + harmonicPhase)
            phase += 2 * Double.pi * (meanFrequency + frequencySwing * frequency.value(at: time)) / rate
            let direction = main + 0.6 * turning.value(at: time) * secondary
            return direction * (size * (1 + 0.4 * amplitude.value(at: time)) * wave)
        }
        return 60 * meanFrequency
    }

    /// Adds the F waves of typical atrial flutter to `trace`: a smoothed sawtooth of one wave every
    /// `cycleLength` seconds with its sharp turn at `waveTime` (and every cycle from it), directed up and forward
    /// so it is a negative sawtooth in II, III and aVF and positive in V1, 0.1–0.22 mV in size times `scale`.
    static func addFlutter(to trace: inout HeartVectorTrace, cycleLength: Double, waveTime: Double, scale: Double,
                           using random: inout RandomStream) {
        let size = scale * random.uniform(0.1...0.22)
        let direction = random.direction(near: SIMD3(0.15, -0.85, -0.5), spread: 0.15)
        // A rising ramp with a sharp fall: the first five Fourier terms of a sawtooth with Lanczos sigma factors
        // against ringing.
        let harmonics = 5
        let weights = (1...harmonics).map { h in
            let x = Double.pi * Double(h) / Double(harmonics + 1)
            return -2 / Double.pi * (sin(x) / x) / Double(h)
        }
        let rate = trace.samplingRate
        trace.add { index in
            let phase = 2 * Double.pi * (Double(index) / rate - waveTime) / cycleLength
            var wave = 0.0
            for (h, weight) in weights.enumerated() { wave += weight * sin(Double(h + 1) * phase) }
            return direction * (size * wave)
        }
    }
}

/// A smooth random signal in [-1, 1] that changes over seconds: three sinusoids of 0.05–0.5 Hz.
struct SlowModulation {
    private var components: [(amplitude: Double, frequency: Double, phase: Double)] = []

    init(using random: inout RandomStream) {
        for _ in 0..<3 {
            components.append((random.uniform(0.2...1), random.uniform(0.05...0.5), random.phase()))
        }
        let total = components.reduce(0) { $0 + $1.amplitude }
        components = components.map { ($0.amplitude / total, $0.frequency, $0.phase) }
    }

    /// The signal at `time` seconds.
    func value(at time: Double) -> Double {
        components.reduce(0) { $0 + $1.amplitude * sin(2 * Double.pi * $1.frequency * time + $1.phase) }
    }
}
