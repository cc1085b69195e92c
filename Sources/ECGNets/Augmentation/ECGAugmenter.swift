import DistTensor

/// Applies a checked `AugmentationPolicy` to training windows of one sampling frequency, each window with the
/// random stream of its `TrainingSampleKey`, so a sample's augmentation is reproducible and independent of the
/// batch it is in.
///
/// Each augmentation draws from its own stream derived from the key, so switching one augmentation on or off, or
/// changing its magnitude, leaves the draws of the others unchanged. Whether an augmentation runs is one uniform
/// draw compared with its probability: probability 0 never runs (the window is left bit-for-bit unchanged) and 1
/// always does. Augmentations act on the real samples `0..<validLength` of each lead; padding stays 0 (lead dropout
/// zeroes whole rows).
public struct ECGAugmenter: Sendable, Equatable {
    public let policy: AugmentationPolicy
    /// The windows' sampling frequency, which turns the policy's seconds and hertz into samples.
    public let samplingFrequency: Double

    /// An augmenter for `policy` on windows sampled at `samplingFrequency` Hz; throws if the policy is out of range.
    public init(policy: AugmentationPolicy, samplingFrequency: Double) throws(AugmentationPolicyError) {
        guard samplingFrequency.isFinite, samplingFrequency > 0 else {
            throw .invalidSamplingFrequency(samplingFrequency)
        }
        try policy.validate()
        self.policy = policy
        self.samplingFrequency = samplingFrequency
    }

    /// Augments `window`, `leadCount` rows laid out `[lead][sample]` with `validLength` real samples each, with the
    /// randomness of `key`.
    public func apply(to window: UnsafeMutableBufferPointer<Float>, leadCount: Int, validLength: Int,
                      key: TrainingSampleKey) throws(ECGWindowingError) {
        apply(to: try ECGWindowLayout(window, leadCount: leadCount, validLength: validLength), key: key)
    }

    /// Augments `window` with the randomness of `key`.
    public func apply(to window: inout ECGWindow, key: TrainingSampleKey) {
        window.withLayout { apply(to: $0, key: key) }
    }

    /// The fixed words that separate the augmentations' streams (part of the stored-checkpoint contract).
    private enum Stream: UInt64 {
        case amplitudeScaling = 1, baselineWander, gaussianNoise, timeShift, leadDropout
    }

    private func apply(to window: ECGWindowLayout, key: TrainingSampleKey) {
        let base = key.randomStream(for: .augmentation).state
        func stream(_ stream: Stream, probability: Double) -> RandomStream? {
            var random = RandomStream(seed: base, stream.rawValue)
            return random.chance(probability) ? random : nil
        }
        if var random = stream(.amplitudeScaling, probability: policy.amplitudeScaling.probability) {
            policy.amplitudeScaling.apply(to: window, using: &random)
        }
        if var random = stream(.baselineWander, probability: policy.baselineWander.probability) {
            policy.baselineWander.apply(to: window, using: &random, samplingFrequency: samplingFrequency)
        }
        if var random = stream(.gaussianNoise, probability: policy.gaussianNoise.probability) {
            policy.gaussianNoise.apply(to: window, using: &random)
        }
        if var random = stream(.timeShift, probability: policy.timeShift.probability) {
            policy.timeShift.apply(to: window, using: &random, samplingFrequency: samplingFrequency)
        }
        if var random = stream(.leadDropout, probability: policy.leadDropout.probability) {
            policy.leadDropout.apply(to: window, using: &random)
        }
    }
}
