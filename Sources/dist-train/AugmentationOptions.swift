import ArgumentParser
import ECGNets

/// The options of `train` that switch the training augmentations on: each is the probability that a training
/// window gets it (magnitudes are the policy's defaults, in lead standard deviations, seconds and hertz).
///
/// All are off by default: on the simulator, 14 epochs with amplitude, noise and wander at 0.5 and lead dropout at
/// 0.2 reached a macro AUROC of 0.952 against 0.964 without (and premature beats 0.78 against 0.93), so they are a
/// regulariser for long runs on real data, where they are worth trying, not a default. `train` checks them with the
/// rest of its configuration (`TrainingRunConfiguration.validate`).
struct AugmentationOptions: ParsableArguments {
    @Option(help: "Probability of scaling a window's amplitude by up to ±20%.")
    var amplitudeScaling = 0.0

    @Option(help: "Probability of adding Gaussian noise (5% of each lead's standard deviation).")
    var gaussianNoise = 0.0

    @Option(help: "Probability of adding baseline wander (slow sinusoids below 0.5 Hz).")
    var baselineWander = 0.0

    @Option(help: "Probability of a circular time shift of up to 1 s (the random crop already moves windows).")
    var timeShift = 0.0

    @Option(help: "Probability of zeroing up to 2 leads.")
    var leadDropout = 0.0

    /// The policy these options describe.
    var policy: AugmentationPolicy {
        return AugmentationPolicy(amplitudeScaling: AmplitudeScaling(probability: amplitudeScaling),
                                  baselineWander: BaselineWander(probability: baselineWander),
                                  gaussianNoise: GaussianNoise(probability: gaussianNoise),
                                  timeShift: TimeShift(probability: timeShift),
                                  leadDropout: LeadDropout(probability: leadDropout))
    }
}
