import ArgumentParser

@main
struct DistTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dist-train",
        abstract: "Train a 1-D ResNet on 12-lead ECGs, data-parallel over MPI.",
        subcommands: [TrainCommand.self, BenchCommand.self, SynthCommand.self, PrepareCommand.self, InspectCommand.self,
                      ScoreCommand.self, CheckMPICommand.self],
        defaultSubcommand: TrainCommand.self)
}
