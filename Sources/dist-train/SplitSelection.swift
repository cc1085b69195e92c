import ArgumentParser
import ECGNets

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
