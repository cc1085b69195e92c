import ArgumentParser
import ECGNets

/// The options of `train` that move the learning rate, pace validation and end training early (checked by
/// `TrainingRunConfiguration.validate`).
struct ScheduleOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Learning-rate schedule: constant; cosine (linear warm-up, then cosine decay to --min-lr at the last step); "
            + "plateau (times --plateau-factor after --plateau-patience validations without a better selection metric, see --select-metric).",
        valueName: "constant|cosine|plateau"))
    var lrSchedule: ScheduleSettings.Kind = .cosine

    @Option(help: "Warm-up steps of the cosine schedule (default: 5% of the run's steps).")
    var warmupSteps: Int?

    @Option(help: "The lowest learning rate the cosine and plateau schedules reach.")
    var minLr: Double = 1e-6

    @Option(help: "Factor of a plateau reduction.")
    var plateauFactor: Double = 0.5

    @Option(help: "Validations without improvement that a plateau tolerates before reducing.")
    var plateauPatience = 2

    @Option(help: "Also validate every N steps (0: only at the end of every epoch).")
    var validateEvery = 0

    @Option(help: "Stop after N validations in a row without a better selection metric, see --select-metric (0: never).")
    var earlyStopping = 5

    /// The library's settings these options describe.
    var settings: ScheduleSettings {
        var settings = ScheduleSettings()
        settings.kind = lrSchedule
        settings.warmupSteps = warmupSteps
        settings.minimumLearningRate = minLr
        settings.plateauFactor = plateauFactor
        settings.plateauPatience = plateauPatience
        settings.validateEvery = validateEvery
        settings.earlyStoppingPatience = earlyStopping
        return settings
    }
}

extension ScheduleSettings.Kind: ExpressibleByArgument {}
