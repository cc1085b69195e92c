import ArgumentParser
import DistTensor
import ECGNets

/// `--lr-schedule` values.
enum ScheduleKind: String, CaseIterable, ExpressibleByArgument {
    case constant, cosine, plateau
}

/// The options of `train` that move the learning rate, pace validation and end training early.
struct ScheduleOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Learning-rate schedule: constant; cosine (linear warm-up, then cosine decay to --min-lr at the last step); "
            + "plateau (times --plateau-factor after --plateau-patience validations without a better Challenge metric).",
        valueName: "constant|cosine|plateau"))
    var lrSchedule: ScheduleKind = .cosine

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

    @Option(help: "Stop after N validations in a row without a better Challenge metric (0: never).")
    var earlyStopping = 5

    func validate() throws {
        if let warmupSteps, warmupSteps < 0 { throw ValidationError("--warmup-steps must not be negative.") }
        guard minLr >= 0, minLr.isFinite else { throw ValidationError("--min-lr must be a non-negative number.") }
        guard plateauFactor > 0 && plateauFactor < 1 else { throw ValidationError("--plateau-factor must be in (0, 1).") }
        guard plateauPatience >= 0 else { throw ValidationError("--plateau-patience must not be negative.") }
        guard validateEvery >= 0 else { throw ValidationError("--validate-every must not be negative.") }
        guard earlyStopping >= 0 else { throw ValidationError("--early-stopping must not be negative.") }
    }

    /// The scheduler of a fresh run of `totalSteps` steps from `learningRate`.
    func scheduler(learningRate: Double, totalSteps: Int) throws -> LearningRateScheduler {
        let schedule: LearningRateSchedule
        switch lrSchedule {
        case .constant:
            schedule = .constant
        case .cosine:
            let warmup = min(warmupSteps ?? totalSteps / 20, max(0, totalSteps - 1))
            schedule = .warmupCosine(warmupSteps: warmup, totalSteps: max(totalSteps, warmup + 1), floor: min(minLr, learningRate))
        case .plateau:
            schedule = .reduceOnPlateau(factor: plateauFactor, patience: plateauPatience, minimumLearningRate: minLr,
                                        minimumImprovement: 1e-4)
        }
        do {
            return try LearningRateScheduler(schedule: schedule, baseLearningRate: learningRate)
        } catch {
            throw ValidationError("the learning-rate schedule is not usable: \(error)")
        }
    }

    /// Early stopping as asked, nil when off.
    func earlyStopper() throws -> EarlyStopping? {
        earlyStopping == 0 ? nil : try EarlyStopping(patience: earlyStopping)
    }
}
