import DistTensor
import Foundation

/// One Gaussian event of the heart vector within a beat.
///
/// ECGSYN (P. E. McSharry, G. D. Clifford, L. Tarassenko, L. A. Smith, "A dynamical model for generating
/// synthetic electrocardiogram signals", IEEE Trans. Biomed. Eng. 50:289–294, 2003) draws the P, Q, R, S and T
/// events as Gaussians of the phase of a limit cycle; R. Sameni et al. (EURASIP J. Adv. Signal Process. 2007,
/// 43407) give each event a 3-D amplitude so the model becomes a moving cardiac dipole. Here the phase is
/// replaced by time since the complex's onset, which is the model's trajectory evaluated in closed form per beat.
struct DipoleWave {
    /// Time of the peak after the onset of its complex, in seconds.
    var center: Double
    /// Standard deviation of the Gaussian, in seconds.
    var width: Double
    /// Heart vector at the peak, in millivolts along Frank X, Y, Z.
    var vector: SIMD3<Double>

    /// The time integral of the wave (mV·s per axis).
    var area: SIMD3<Double> { vector * (width * (2 * Double.pi).squareRoot()) }

    /// The heart vector this wave contributes at time `t` after its complex's onset.
    func value(at t: Double) -> SIMD3<Double> {
        let z = (t - center) / width
        return vector * exp(-0.5 * z * z)
    }

    /// The wave with its vector rotated by `angle` radians in the frontal (X–Y) plane, towards +Y (inferior).
    func rotatedInFrontalPlane(by angle: Double) -> DipoleWave {
        let c = cos(angle), s = sin(angle)
        let rotated = SIMD3(vector.x * c - vector.y * s, vector.x * s + vector.y * c, vector.z)
        return DipoleWave(center: center, width: width, vector: rotated)
    }

    /// The wave with its vector multiplied by `factor`.
    func scaled(by factor: Double) -> DipoleWave {
        DipoleWave(center: center, width: width, vector: vector * factor)
    }
}

/// The heart vector of a whole record, sampled on the record's time grid, with each axis in its own plane.
struct HeartVectorTrace {
    let sampleCount: Int
    let samplingRate: Double
    /// X samples, then Y samples, then Z samples.
    private(set) var planes: [Double]

    init(sampleCount: Int, samplingRate: Double) {
        self.sampleCount = sampleCount
        self.samplingRate = samplingRate
        planes = [Double](repeating: 0, count: 3 * sampleCount)
    }

    /// Adds `waves`, whose times count from `origin` seconds after the record's start, multiplied by `scale`.
    /// Each Gaussian is evaluated within five widths of its peak, where it has fallen below 4·10⁻⁶ of it.
    mutating func add(_ waves: [DipoleWave], origin: Double, scale: Double) {
        let count = sampleCount
        let rate = samplingRate
        planes.withUnsafeMutableBufferPointer { buffer in
            for wave in waves {
                let center = origin + wave.center
                let reach = 5 * wave.width
                let first = max(0, Int(((center - reach) * rate).rounded(.up)))
                let last = min(count - 1, Int(((center + reach) * rate).rounded(.down)))
                guard first <= last else { continue }
                let vector = wave.vector * scale
                let inverseWidth = 1 / wave.width
                for index in first...last {
                    let z = (Double(index) / rate - center) * inverseWidth
                    let weight = exp(-0.5 * z * z)
                    buffer[index] += vector.x * weight
                    buffer[count + index] += vector.y * weight
                    buffer[2 * count + index] += vector.z * weight
                }
            }
        }
    }

    /// Adds a rectangular pulse of `vector` from `start` lasting `duration` seconds, each sample getting the
    /// pulse's mean over its own sampling interval (an ideal integrating sampler), so a pulse shorter than a
    /// sample still shows, scaled by the fraction of the interval it covers.
    mutating func addPulse(_ vector: SIMD3<Double>, start: Double, duration: Double) {
        let period = 1 / samplingRate
        let first = max(0, Int((start * samplingRate).rounded(.down)))
        let last = min(sampleCount - 1, Int(((start + duration) * samplingRate).rounded(.down)))
        guard first <= last else { return }
        for index in first...last {
            let from = max(start, Double(index) * period), to = min(start + duration, Double(index + 1) * period)
            guard to > from else { continue }
            let value = vector * ((to - from) / period)
            planes[index] += value.x
            planes[sampleCount + index] += value.y
            planes[2 * sampleCount + index] += value.z
        }
    }

    /// Adds `vectorAt(i)` to sample `i`, for every sample of the record.
    mutating func add(_ vectorAt: (Int) -> SIMD3<Double>) {
        let count = sampleCount
        planes.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<count {
                let vector = vectorAt(index)
                buffer[index] += vector.x
                buffer[count + index] += vector.y
                buffer[2 * count + index] += vector.z
            }
        }
    }
}

/// The simulator's geometric draw on top of ECGNets' shared `RandomStream` draws.
extension RandomStream {
    /// A unit vector near `base`: each component moved by up to ±`spread`, then scaled to length 1.
    mutating func direction(near base: SIMD3<Double>, spread: Double) -> SIMD3<Double> {
        let moved = base + SIMD3(uniform(-spread...spread), uniform(-spread...spread), uniform(-spread...spread))
        let length = (moved * moved).sum().squareRoot()
        return length > 0 ? moved / length : moved
    }
}
