import ArgumentParser
import ECGNets
import Foundation

extension CheckpointSettings.Resume: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "auto": self = .auto
        case "none": self = .none
        case "": return nil
        default: self = .file(argument)
        }
    }
}

/// The options of `train` about checkpoints: where they go, how many are kept, how often they are written and
/// what a run resumes from.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Directory of this run's checkpoints (step-<step>.nc and best.nc); on shared storage for multi-node jobs.")
    var checkpointDir = "checkpoints"

    @Option(help: "Step checkpoints to keep (the newest); best.nc is kept besides.")
    var keepLast = 3

    @Option(help: "Also write a checkpoint every N steps (0: only at the end of every epoch and when stopped).")
    var checkpointEvery = 0

    @Option(help: ArgumentHelp(
        "Start from: auto (the newest usable checkpoint in --checkpoint-dir, if any), none, or a checkpoint file.",
        valueName: "auto|none|path"))
    var resume: CheckpointSettings.Resume = .auto

    /// The library's settings these options describe (checked by `TrainingRunConfiguration.validate`).
    var settings: CheckpointSettings {
        var settings = CheckpointSettings()
        settings.directory = URL(fileURLWithPath: checkpointDir)
        settings.keepLast = keepLast
        settings.every = checkpointEvery
        settings.resume = resume
        return settings
    }
}
