import DistTensor
import ECGNets
import Foundation

/// A learnable stand-in for ECG data: class `c` is present when a sinusoid of its own frequency is added
/// to lead `c mod leads`, on top of Gaussian noise.
///
/// A network can only beat the label prior by detecting the tones, so a loss well below the prior's entropy
/// shows that training works end to end, without any data pipeline. Every sample is a pure function of
/// `(seed, index)`.
struct SyntheticRhythmTask: SampleSource {
    let count: Int
    let leads: Int
    let classes: Int
    let length: Int
    let seed: UInt64
    /// Probability that each class is present in a sample.
    let prevalence: Float
    let noise: Float

    init(count: Int = 4096, leads: Int = 12, classes: Int = 27, length: Int = 5000, seed: UInt64 = 0,
                prevalence: Float = 0.15, noise: Float = 0.5) {
        self.count = count
        self.leads = leads
        self.classes = classes
        self.length = length
        self.seed = seed
        self.prevalence = prevalence
        self.noise = noise
    }

    /// Cycles per window of class `c`: distinct for classes that share a lead.
    func cycles(ofClass c: Int) -> Double {
        Double(3 + 4 * (c / leads) + (c % leads) % 3)
    }

    func fill(_ index: Int, epoch: Int, signal: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>) {
        var random = RandomStream(seed: seed, 0x5171, UInt64(index))
        for i in 0..<(leads * length) { signal[i] = Float(random.nextNormal()) * noise }
        for c in 0..<classes {
            let present = random.nextUniform() < prevalence
            target[c] = present ? 1 : 0
            guard present else { continue }
            let lead = signal + (c % leads) * length
            let phase = Double(random.nextUniform()) * 2 * .pi
            let step = 2 * Double.pi * cycles(ofClass: c) / Double(length)
            for t in 0..<length { lead[t] += Float(sin(phase + step * Double(t))) }
        }
    }

    /// Samples `indices` as one batch: signals `[N, leads, length]` and targets `[N, classes]`.
    func batch(_ indices: some Collection<Int>, epoch: Int = 0) -> (signals: Tensor, targets: Tensor) {
        let signals = Tensor(zeros: [indices.count, leads, length])
        let targets = Tensor(zeros: [indices.count, classes])
        for (n, index) in indices.enumerated() {
            fill(index, epoch: epoch, signal: signals.base + n * leads * length, target: targets.base + n * classes)
        }
        return (signals, targets)
    }
}
