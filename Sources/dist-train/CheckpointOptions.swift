import ArgumentParser
import Foundation

/// Where a run starts from: the newest usable checkpoint of the directory, none, or a given file.
enum ResumeChoice: ExpressibleByArgument, Equatable, CustomStringConvertible {
    case auto
    case none
    case file(String)

    init?(argument: String) {
        switch argument {
        case "auto": self = .auto
        case "none": self = .none
        case "": return nil
        default: self = .file(argument)
        }
    }

    var description: String {
        switch self {
        case .auto: "auto"
        case .none: "none"
        case let .file(path): path
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
    var resume: ResumeChoice = .auto

    func validate() throws {
        guard keepLast >= 1 else { throw ValidationError("--keep-last must be at least 1.") }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must not be negative.") }
    }
}
