import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `--data` and `--cache-dir`, shared by the commands that read a dataset (train, evaluate, predict, dataset); the
/// library's `DatasetLocation` resolves them on every rank of a job.
struct DataOptions: ParsableArguments {
    @Option(help: "A prepared dataset (.nc), or a directory of WFDB records to prepare into the cache (default: 1,000 simulated records with occasional recording faults, seed 0).")
    var data: String?

    @Option(help: "Where prepared datasets are kept (default: $DIST_TRAIN_CACHE, else $XDG_CACHE_HOME/dist-train, else ~/.cache/dist-train).")
    var cacheDir: String?

    @Flag(help: "Also read records and folders that symbolic links in a --data directory lead to outside it (by default such links are not followed, and listed).")
    var followSymlinksOutside = false

    /// Where the dataset comes from.
    var location: DatasetLocation {
        DatasetLocation(path: data, cacheDirectory: cacheDir, followsSymlinksOutside: followSymlinksOutside)
    }

    /// The dataset on every rank of `group` (see `DatasetLocation.resolve`), rank 0's messages printed.
    func resolve(over group: ProcessGroup, options: ECGDatasetPreparationOptions = ECGDatasetPreparationOptions())
        throws -> ECGDataset {
        try location.resolve(over: group, options: options, output: Console.line)
    }
}

/// `--split`: the records of a dataset a command reads, one split or all of them.
enum SplitSelection: String, CaseIterable, ExpressibleByArgument {
    case all, train, validation, test

    /// The record indices of the selection, in file order.
    func indices(in dataset: ECGDataset) -> [Int] {
        switch self {
        case .all: Array(dataset.records.indices)
        case .train: dataset.indices(in: .train)
        case .validation: dataset.indices(in: .validation)
        case .test: dataset.indices(in: .test)
        }
    }
}
