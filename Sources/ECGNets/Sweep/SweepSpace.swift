import Foundation

/// One value of a swept hyper-parameter, as the train option it becomes (`--lr 0.001`, `--optimizer sgd`, a flag).
public enum SweepValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Double)
    case integer(Int)
    case text(String)
    case flag(Bool)

    /// The command-line words of option `name` set to this value: `--name value`, `--name` for a true flag, nothing
    /// for a false one.
    public func arguments(option name: String) -> [String] {
        switch self {
        case let .flag(on): on ? ["--\(name)"] : []
        default: ["--\(name)", description]
        }
    }

    /// The value as a train option reads it (numbers in Swift's shortest round-trip form, `1e-05`, `0.003`).
    public var description: String {
        switch self {
        case let .number(value): "\(value)"
        case let .integer(value): "\(value)"
        case let .text(value): value
        case let .flag(value): "\(value)"
        }
    }

    /// Written as the plain JSON value it came from (`0.001`, `"adam"`, `true`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .number(value): try container.encode(value)
        case let .integer(value): try container.encode(value)
        case let .text(value): try container.encode(value)
        case let .flag(value): try container.encode(value)
        }
    }

    /// Read as a boolean, a whole number, another number or a string, tried in that order.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .flag(flag)
        } else if let integer = try? container.decode(Int.self) {
            self = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    /// The value as a number for plots and importance (`nil` for text and flags, which are categories).
    public var numeric: Double? {
        switch self {
        case let .number(value): value
        case let .integer(value): Double(value)
        case .text, .flag: nil
        }
    }
}

/// The hyper-parameters a sweep varies: train options (`lr`, `widths`, `dropout`, `optimizer`, `model`, `batch-size`,
/// `class-weights`, ...) with a list of values (grid, or a category for random and TPE search) or a range.
///
/// The space file is a JSON object from option name (without `--`) to a list `[v1, v2, ...]` or one of
/// `{"range": [low, high]}` (uniform), `{"log-range": [low, high]}` (log-uniform, for learning rates) and
/// `{"int-range": [low, high]}` (whole numbers, both ends included). Parameters are ordered by name, so a file's key
/// order never changes the trials.
public struct SweepSpace: Sendable, Equatable {
    /// How one parameter's values are drawn.
    public enum Domain: Sendable, Equatable {
        case choice([SweepValue])
        case uniform(ClosedRange<Double>)
        case logUniform(ClosedRange<Double>)
        case integer(ClosedRange<Int>)
    }

    public struct Parameter: Sendable, Equatable {
        public let name: String
        public let domain: Domain
    }

    public let parameters: [Parameter]

    public init(parameters: [Parameter]) {
        self.parameters = parameters.sorted { $0.name < $1.name }
    }

    /// Parses a space file; errors name the file and the parameter.
    public init(contentsOf url: URL) throws(SweepError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unusableSpace(file: url.path, reason: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(json: data, file: url.path)
    }

    /// Parses a space from JSON text; `file` names it in errors.
    public init(json data: Data, file: String) throws(SweepError) {
        func fail(_ reason: String) -> SweepError { .unusableSpace(file: file, reason: reason) }
        let entries: [String: Entry]
        do {
            entries = try JSONDecoder().decode([String: Entry].self, from: data)
        } catch {
            throw fail("is not a JSON object of train option names to value lists or ranges, e.g. "
                       + #"{"lr": {"log-range": [0.0001, 0.01]}, "optimizer": ["adam", "sgd"]} ("# + "\(error))")
        }
        guard !entries.isEmpty else { throw fail("names no parameter; add at least one train option, e.g. \"lr\": [0.001, 0.003]") }
        var parameters: [Parameter] = []
        for (key, entry) in entries {
            let name = key.hasPrefix("--") ? String(key.dropFirst(2)) : key
            guard !name.isEmpty, !name.contains(" ") else { throw fail("\"\(key)\" is not a train option name") }
            switch entry {
            case let .list(values):
                guard !values.isEmpty else { throw fail("\(name): the list of values is empty") }
                parameters.append(Parameter(name: name, domain: .choice(values)))
            case let .range(kind, low, high):
                guard low.isFinite, high.isFinite, low < high else {
                    throw fail("\(name): \(kind) [\(low), \(high)] needs two finite numbers, low < high")
                }
                switch kind {
                case "range": parameters.append(Parameter(name: name, domain: .uniform(low...high)))
                case "log-range":
                    guard low > 0 else { throw fail("\(name): log-range needs positive bounds (got \(low))") }
                    parameters.append(Parameter(name: name, domain: .logUniform(low...high)))
                case "int-range":
                    guard low == low.rounded(), high == high.rounded() else {
                        throw fail("\(name): int-range needs whole-number bounds (got [\(low), \(high)])")
                    }
                    parameters.append(Parameter(name: name, domain: .integer(Int(low)...Int(high))))
                default:
                    throw fail("\(name): \"\(kind)\" is not range, log-range or int-range")
                }
            }
        }
        self.init(parameters: parameters)
    }

    /// One entry of the space file: a list of values, or a one-key object naming a range kind and its bounds.
    private enum Entry: Decodable {
        case list([SweepValue])
        case range(kind: String, low: Double, high: Double)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let items = try? container.decode([SweepValue].self) {
                self = .list(items)
                return
            }
            let object = try container.decode([String: [Double]].self)
            guard object.count == 1, let (kind, bounds) = object.first, bounds.count == 2 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription:
                    "expected a list of values or {\"range\"|\"log-range\"|\"int-range\": [low, high]}")
            }
            self = .range(kind: kind, low: bounds[0], high: bounds[1])
        }
    }

    /// Every combination of the lists, the first parameter (by name) varying slowest; throws if a parameter is a range.
    public func grid() throws(SweepError) -> [[String: SweepValue]] {
        var combinations: [[String: SweepValue]] = [[:]]
        for parameter in parameters {
            guard case let .choice(values) = parameter.domain else {
                throw .unusableSpace(file: "the space", reason: "\(parameter.name) is a range: grid search needs lists of "
                    + "values (use --search random or tpe for ranges)")
            }
            combinations = combinations.flatMap { partial in values.map { partial.merging([parameter.name: $0]) { $1 } } }
        }
        return combinations
    }
}

/// Why a sweep cannot start or go on; each case says what to change.
public enum SweepError: Error, CustomStringConvertible {
    case unusableSpace(file: String, reason: String)
    case invalidSetting(String)
    /// The sweep directory's state belongs to another sweep command, or cannot be read.
    case foreignState(file: String, reason: String)
    case unwritableState(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unusableSpace(file, reason): "\(file): \(reason)"
        case let .invalidSetting(message): message
        case let .foreignState(file, reason):
            "\(file): \(reason). Run the same sweep command to continue it, or give another --sweep-dir for a new sweep."
        case let .unwritableState(file, reason): "\(file) could not be written: \(reason). Give a writable --sweep-dir."
        }
    }
}
