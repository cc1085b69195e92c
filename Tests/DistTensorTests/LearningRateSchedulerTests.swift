import DistTensor
import Foundation
import Testing

/// Learning-rate schedules against values derived by hand from their definitions, and exact continuation
/// of a scheduler whose state went through JSON.
@Suite struct LearningRateSchedulerTests {
    /// The rates of the first `steps` steps.
    private func rates(_ scheduler: inout LearningRateScheduler, steps: Int) -> [Double] {
        (0..<steps).map { _ in
            defer { scheduler.stepCompleted() }
            return scheduler.learningRate
        }
    }

    @Test func constantKeepsTheBaseRate() throws {
        var scheduler = try LearningRateScheduler(schedule: .constant, baseLearningRate: 3e-4)
        #expect(rates(&scheduler, steps: 5) == [3e-4, 3e-4, 3e-4, 3e-4, 3e-4])
        scheduler.validationCompleted(metric: 0.1)
        #expect(scheduler.learningRateFloat == Float(3e-4))
    }

    /// Base 0.01, 4 warm-up steps, 12 in all, floor 0.001: steps 0..3 rise by 0.0025 to the base; the
    /// cosine starts at the base (step 4), passes the mean of base and floor halfway (step 8) and ends at
    /// the floor (step 12 and after).
    @Test func warmupThenCosineHitsItsEndpoints() throws {
        var scheduler = try LearningRateScheduler(
            schedule: .warmupCosine(warmupSteps: 4, totalSteps: 12, floor: 0.001), baseLearningRate: 0.01)
        let values = rates(&scheduler, steps: 16)
        for (step, expected) in [0.0025, 0.005, 0.0075, 0.01].enumerated() {
            #expect(abs(values[step] - expected) < 1e-15, "step \(step): \(values[step])")
        }
        #expect(abs(values[4] - 0.01) < 1e-15)
        #expect(abs(values[8] - 0.0055) < 1e-15)
        #expect(abs(values[6] - (0.001 + 0.009 * (1 + 0.5.squareRoot()) / 2)) < 1e-15)  // cos(π/4) = √½
        for step in 12..<16 { #expect(values[step] == 0.001) }
        for step in 5..<12 { #expect(values[step] < values[step - 1]) }
    }

    /// Factor 0.5, patience 2, minimum rate 2e-4 (PyTorch ReduceLROnPlateau, mode max, abs threshold 0):
    /// the rate halves at the third validation in a row without a new best, and stops at the minimum.
    @Test func reduceOnPlateauHalvesAfterPatience() throws {
        var scheduler = try LearningRateScheduler(
            schedule: .reduceOnPlateau(factor: 0.5, patience: 2, minimumLearningRate: 2e-4, minimumImprovement: 0),
            baseLearningRate: 1e-3)
        let metrics = [0.5, 0.6, 0.6, 0.55, 0.58, 0.7, 0.65, 0.6, 0.6, 0.6, .nan, 0.69]
        let expected = [1e-3, 1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 5e-4, 2.5e-4, 2.5e-4, 2.5e-4, 2e-4]
        var observed: [Double] = []
        for metric in metrics {
            scheduler.validationCompleted(metric: metric)
            scheduler.stepCompleted()
            observed.append(scheduler.learningRate)
        }
        #expect(observed == expected)
        #expect(scheduler.bestMetric == 0.7)
    }

    /// A scheduler encoded mid-run and decoded continues with exactly the rates of one never interrupted.
    @Test(arguments: [
        LearningRateSchedule.warmupCosine(warmupSteps: 3, totalSteps: 25, floor: 1e-5),
        .reduceOnPlateau(factor: 0.3, patience: 1, minimumLearningRate: 1e-6, minimumImprovement: 0.01),
    ])
    func continuesExactlyAfterJSON(schedule: LearningRateSchedule) throws {
        let metrics = [0.2, 0.3, 0.29, 0.28, 0.35, 0.351, 0.34, 0.33, 0.4, 0.39]
        func advance(_ scheduler: inout LearningRateScheduler, validations: Range<Int>) -> [Double] {
            var rates: [Double] = []
            for validation in validations {
                for _ in 0..<3 {
                    rates.append(scheduler.learningRate)
                    scheduler.stepCompleted()
                }
                scheduler.validationCompleted(metric: metrics[validation])
            }
            return rates
        }
        var uninterrupted = try LearningRateScheduler(schedule: schedule, baseLearningRate: 0.0123)
        let expected = advance(&uninterrupted, validations: 0..<10)
        var first = try LearningRateScheduler(schedule: schedule, baseLearningRate: 0.0123)
        var rates = advance(&first, validations: 0..<4)
        var resumed = try JSONDecoder().decode(LearningRateScheduler.self, from: JSONEncoder().encode(first))
        #expect(resumed == first)
        rates += advance(&resumed, validations: 4..<10)
        #expect(rates == expected)
        #expect(resumed == uninterrupted)
    }

    @Test func invalidParametersAreRejected() {
        #expect(throws: LearningRateScheduleError.invalidBaseRate(0)) {
            _ = try LearningRateScheduler(schedule: .constant, baseLearningRate: 0)
        }
        #expect(throws: LearningRateScheduleError.invalidStepCounts(warmupSteps: 10, totalSteps: 10)) {
            _ = try LearningRateScheduler(schedule: .warmupCosine(warmupSteps: 10, totalSteps: 10, floor: 0),
                                          baseLearningRate: 1e-3)
        }
        #expect(throws: LearningRateScheduleError.invalidFactor(1)) {
            _ = try LearningRateScheduler(schedule: .reduceOnPlateau(factor: 1, patience: 2, minimumLearningRate: 0,
                                                                     minimumImprovement: 0), baseLearningRate: 1e-3)
        }
        #expect(LearningRateScheduleError.invalidFactor(1).description.contains("between 0 and 1"))
    }
}
