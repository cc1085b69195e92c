import Foundation

/// The learning rate of a run as its schedule moves it: read `learningRate` before each optimizer step,
/// call `stepCompleted()` after it and `validationCompleted(metric:)` after each validation. The whole
/// state is Codable, so a checkpoint can store it (as JSON) and a resumed run continues exactly.
public struct LearningRateScheduler: Sendable, Equatable, Codable {
    /// The schedule's parameters.
    public let schedule: LearningRateSchedule
    /// The learning rate the schedule starts from (and warms up to).
    public let baseLearningRate: Double
    /// The rate to use for the next optimizer step.
    public private(set) var learningRate: Double
    /// Optimizer steps completed.
    public private(set) var completedSteps: Int
    /// The best validation metric so far (reduce-on-plateau), `nil` before the first finite one.
    public private(set) var bestMetric: Double?
    /// Validations since the best one without an improvement (reduce-on-plateau).
    public private(set) var validationsWithoutImprovement: Int

    /// A scheduler at step 0 of `schedule` with base rate `baseLearningRate`.
    public init(schedule: LearningRateSchedule, baseLearningRate: Double) throws(LearningRateScheduleError) {
        guard baseLearningRate.isFinite, baseLearningRate > 0 else { throw .invalidBaseRate(baseLearningRate) }
        try schedule.validate()
        self.schedule = schedule
        self.baseLearningRate = baseLearningRate
        completedSteps = 0
        bestMetric = nil
        validationsWithoutImprovement = 0
        learningRate = baseLearningRate
        learningRate = rate(atStep: 0)
    }

    /// The rate as the optimizer settings hold it.
    public var learningRateFloat: Float { Float(learningRate) }

    /// Advances past one optimizer step; per-step schedules move to the next step's rate.
    public mutating func stepCompleted() {
        completedSteps += 1
        learningRate = rate(atStep: completedSteps)
    }

    /// Takes one validation's metric (higher is better); reduce-on-plateau may lower the rate. NaN never
    /// counts as an improvement.
    public mutating func validationCompleted(metric: Double) {
        guard case let .reduceOnPlateau(factor, patience, minimumLearningRate, minimumImprovement) = schedule else {
            return
        }
        if !metric.isNaN, bestMetric.map({ metric > $0 + minimumImprovement }) ?? true {
            bestMetric = metric
            validationsWithoutImprovement = 0
        } else {
            validationsWithoutImprovement += 1
        }
        if validationsWithoutImprovement > patience {
            learningRate = max(learningRate * factor, minimumLearningRate)
            validationsWithoutImprovement = 0
        }
    }

    /// The rate of a per-step schedule at `step`; for the others, the current rate.
    private func rate(atStep step: Int) -> Double {
        guard case let .warmupCosine(warmupSteps, totalSteps, floor) = schedule else { return learningRate }
        if step < warmupSteps {
            return baseLearningRate * Double(step + 1) / Double(warmupSteps)
        }
        if step >= totalSteps { return floor }
        let progress = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
        return floor + (baseLearningRate - floor) * (1 + cos(Double.pi * progress)) / 2
    }
}
