import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train dataset`: resolves `--data` as training would (preparing into the cache if needed) on every rank
/// and prints what the dataset holds.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Show the dataset train would use: records per split, lengths, labels (prepares --data into the cache if needed).")

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var task: TaskOptions

    @Option(help: "Sampling rate a record directory given as --data is prepared at, in Hz (as train's --rate).")
    var rate: Double = 500

    @OptionGroup var threading: ThreadOptions

    func run() throws {
        let world = try Communicator.world()
        do {
            threading.apply(ranksOnNode: world.localSize)
            let options = ECGDatasetPreparationOptions(
                samplingFrequency: rate, labels: try task.labelSource(dataDirectory: dataOptions.data.map { URL(fileURLWithPath: $0) }),
                leads: try task.leadNames(), dropsFlatLeads: task.dropFlatLeads)
            let dataset = try dataOptions.resolve(over: world, options: options)
            print("dataset: rank \(world.rank) of \(world.size) opened \(dataset.url.path) (\(dataset.records.count) records)")
            if world.rank == 0 { describe(dataset) }
            try world.finalize()
        } catch {
            // One write per rank, so the ranks' messages do not interleave in mpirun's merged output.
            FileHandle.standardError.write(Data("dataset: rank \(world.rank): \(error)\n".utf8))
            try? world.finalize()
            throw ExitCode.failure
        }
    }

    /// Prints the dataset's rate, splits, lengths, sources and label counts.
    private func describe(_ dataset: ECGDataset) {
        let splits = DatasetSplit.allCases.map { "\($0) \(dataset.indices(in: $0).count)" }.joined(separator: ", ")
        let lengths = dataset.records.map(\.length)
        print("dataset: \(dataset.records.count) records; task \(dataset.task.summary); \(splits)")
        print("dataset: lengths \(lengths.min() ?? 0)...\(lengths.max() ?? 0) samples; prepared with "
              + dataset.preparationOptions)
        let sources = Dictionary(grouping: dataset.records, by: \.source).mapValues(\.count).sorted { $0.key < $1.key }
        print("dataset: sources " + sources.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        let masked = dataset.records.filter { !$0.hasAllLeads }.count
        print("dataset: \(masked) records with a flat or missing lead stored as zeros (masked)")
        let positives = dataset.classCodes.indices.map { column in
            dataset.records.reduce(0) { $0 + Int($1.labels[column]) }
        }
        let unlabelled = dataset.records.filter { !$0.labels.contains(1) }.count
        print("dataset: records per class (\(unlabelled) records without a label): "
              + zip(dataset.task.classes, positives).filter { $0.1 > 0 }.map { "\($0.name) \($1)" }.joined(separator: ", "))
    }
}
