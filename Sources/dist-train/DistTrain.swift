import ArgumentParser

@main
struct DistTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dist-train",
        abstract: "Train a 1-D ResNet on 12-lead ECGs, data-parallel over MPI.",
        version: DistTrainVersion.current,
        subcommands: [TrainCommand.self, BenchCommand.self, SynthCommand.self, PrepareCommand.self, DatasetCommand.self,
                      ScoreCommand.self, EvaluateCommand.self, PredictCommand.self, InspectCommand.self,
                      CheckpointBenchCommand.self, CheckMPICommand.self],
        defaultSubcommand: TrainCommand.self)
}
