import DistTensor
import Foundation

/// What the training loop carries from step to step besides the network and optimizer: the learning-rate
/// scheduler, early stopping and the training loss since the last validation. Stored in every checkpoint as JSON
/// (`training_state`), so a resumed run schedules, stops and reports exactly as an uninterrupted one.
struct TrainingLoopState: Codable, Equatable {
    var scheduler: LearningRateScheduler
    var earlyStopping: EarlyStopping?
    /// Sum and count of the global-batch losses since the last validation, for the history's mean training loss.
    var lossSinceValidation: Double = 0
    var stepsSinceValidation: Int = 0
    /// A validation that was due after the step a stop request ended the run on (a stopped run saves at once
    /// instead); the resumed run makes it first, so its history, thresholds and schedules are an uninterrupted
    /// run's. Absent from the JSON when there is none.
    var pendingValidation: PendingValidation?

    /// Which validation is owed: after `step` (in epoch `epoch`, 1-based), whose steps used `learningRate`.
    struct PendingValidation: Codable, Equatable {
        var epoch: Int
        var step: Int
        var learningRate: Double
    }

    /// The JSON stored in checkpoints.
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The state a checkpoint stored, or nil when it holds none (`{}`, written before the first save of a loop).
    static func decode(_ json: String, checkpoint: String) throws(TrainingRunError) -> TrainingLoopState? {
        guard json != "{}" else { return nil }
        do {
            return try JSONDecoder().decode(TrainingLoopState.self, from: Data(json.utf8))
        } catch {
            throw .unreadableTrainingState(checkpoint: checkpoint, detail: "\(error)")
        }
    }
}
