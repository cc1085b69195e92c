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
                      ScoreCommand.self, EvaluateCommand.self, PredictCommand.self, InspectCommand.self,
                      CheckpointBenchCommand.self, CheckMPICommand.self],
        defaultSubcommand: TrainCommand.self)
}

/// Where the library's messages go: standard output, flushed per line so mpirun and log files show them at once.
enum Console {
    static func line(_ text: String) {
        print(text)
        fflush(nil)
    }
}
