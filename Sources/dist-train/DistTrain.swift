import ArgumentParser
import ECGNets
import Foundation

@main
struct DistTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dist-train",
        abstract: "Train 1-D networks (a ResNet by default) on ECGs, data-parallel over MPI.",
        version: DistTrainVersion.current,
        subcommands: [TrainCommand.self, BenchCommand.self, SynthCommand.self, PrepareCommand.self, DatasetCommand.self,
                      ScoreCommand.self, EvaluateCommand.self, PredictCommand.self, InspectCommand.self, ExportCommand.self,
                      CheckpointBenchCommand.self, CheckMPICommand.self, SweepCommand.self],
        defaultSubcommand: TrainCommand.self)
}

/// Where the library's messages go: standard output, flushed per line so mpirun and log files show them at once.
enum Console {
    /// Whether the progress bar's line is drawn but not ended: the next line of text ends it first, so a message
    /// never continues the bar ("...ETA 8svalidation after epoch 1").
    nonisolated(unsafe) static var barLineOpen = false

    static func line(_ text: String) {
        if barLineOpen {
            print()
            barLineOpen = false
        }
        print(text)
        fflush(nil)
    }
}
