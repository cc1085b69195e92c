import DistTensor
import Foundation
import Testing

/// Values written through `NetCDFFile` come back unchanged after closing and reopening the file, for every
/// supported type, hyperslabs, groups, names with '.', attributes and strings.
@Suite struct NetCDFRoundTripTests {
    /// Writes `values` as a one-dimensional variable, reopens the file and returns what is read back and the
    /// stored type.
    private func roundTrip<Element: NetCDFScalar>(_ values: [Element], type: NetCDFType) throws
        -> (values: [Element], storedType: NetCDFType) {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("values.nc")
        let file = try NetCDFFile.create(at: url)
        let axis = try file.root.createDimension(named: "n", length: values.count)
        try file.root.createVariable(named: "x", type: type, dimensions: [axis]).write(values)
        try file.close()

        let reopened = try NetCDFFile.open(at: url)
        let variable = try reopened.root.variable(named: "x")
        return (try variable.read(Element.self), variable.type)
    }

    @Test func everyNumericTypeRoundTrips() throws {
        let floats: [Float] = [0, -0.0, 1.5, -Float.greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity, .nan]
        let readFloats = try roundTrip(floats, type: .float32)
        #expect(readFloats.values.map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(readFloats.storedType == .float32)

        let doubles: [Double] = [0, -0.0, .pi, -Double.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.infinity]
        let readDoubles = try roundTrip(doubles, type: .float64)
        #expect(readDoubles.values.map(\.bitPattern) == doubles.map(\.bitPattern))
        #expect(readDoubles.storedType == .float64)

        let shorts: [Int16] = [.min, -1, 0, 1, .max]
        #expect(try roundTrip(shorts, type: .int16) == (shorts, .int16))
        let ints: [Int32] = [.min, -7, 0, 7, .max]
        #expect(try roundTrip(ints, type: .int32) == (ints, .int32))
        let longs: [Int64] = [.min, -(1 << 40), 0, 1 << 53 + 1, .max]
        #expect(try roundTrip(longs, type: .int64) == (longs, .int64))
        let bytes: [UInt8] = [0, 1, 127, 128, 255]
        #expect(try roundTrip(bytes, type: .uint8) == (bytes, .uint8))
    }

    @Test func hyperslabsReadAndWriteSubRanges() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("slabs.nc")
        let file = try NetCDFFile.create(at: url)
        let rows = try file.root.createDimension(named: "row", length: 5)
        let columns = try file.root.createDimension(named: "column", length: 7)
        let matrix = try file.root.createVariable(named: "matrix", type: .int32, dimensions: [rows, columns])
        // Rows 1...3, columns 2...5 hold 100 * row + column; everything else is never written.
        let block = (1...3).flatMap { row in (2...5).map { column in Int32(100 * row + column) } }
        try matrix.write(block, start: [1, 2], count: [3, 4])
        try file.close()

        let variable = try NetCDFFile.open(at: url).root.variable(named: "matrix")
        #expect(try variable.shape() == [5, 7])
        #expect(try variable.read(Int32.self, start: [2, 3], count: [2, 2]) == [203, 204, 303, 304])
        // Unwritten elements hold NetCDF's default int fill value NC_FILL_INT = -2147483647 (netcdf.h).
        let whole = try variable.read(Int32.self)
        #expect(whole[0] == -2_147_483_647)
        #expect(whole[1 * 7 + 1] == -2_147_483_647)
        #expect(whole[3 * 7 + 5] == 305)
        #expect(whole.filter { $0 != -2_147_483_647 }.count == 12)
    }

    @Test func datasetLayoutReadsOneRanksRows() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("dataset.nc")
        let lengths: [Int32] = [5, 3, 4, 6]
        let offsets: [Int64] = [0, 5, 8, 12]
        let ids = ["E07500", "E07501", "Ä-ß 😀", ""]
        let labels: [UInt8] = [1, 0, 0, /**/ 0, 1, 0, /**/ 0, 0, 1, /**/ 1, 1, 0]
        let file = try NetCDFFile.create(at: url)
        let lead = try file.root.createDimension(named: "lead", length: 2)
        let sample = try file.root.createDimension(named: "sample", length: 18)
        let record = try file.root.createDimension(named: "record", length: 4)
        let label = try file.root.createDimension(named: "class", length: 3)
        // Sample s of lead l holds 1000 * l + s.
        let signal = (0..<2).flatMap { lead in (0..<18).map { Int16(1000 * lead + $0) } }
        try file.root.createVariable(named: "signal", type: .int16, dimensions: [lead, sample]).write(signal)
        try file.root.createVariable(named: "offset", type: .int64, dimensions: [record]).write(offsets)
        try file.root.createVariable(named: "length", type: .int32, dimensions: [record]).write(lengths)
        try file.root.createVariable(named: "id", type: .string, dimensions: [record]).write(ids)
        try file.root.createVariable(named: "labels", type: .uint8, dimensions: [record, label]).write(labels)
        try file.close()

        // A rank owning records 2 and 3 reads only those rows.
        let dataset = try NetCDFFile.open(at: url).root
        #expect(try dataset.variable(named: "id").readStrings(start: [2], count: [2]) == ["Ä-ß 😀", ""])
        #expect(try dataset.variable(named: "labels").read(UInt8.self, start: [2, 0], count: [2, 3])
            == [0, 0, 1, 1, 1, 0])
        let offset = try dataset.variable(named: "offset").read(Int64.self, start: [2], count: [1])[0]
        let length = try dataset.variable(named: "length").read(Int32.self, start: [2], count: [1])[0]
        let record2 = try dataset.variable(named: "signal").read(Int16.self, start: [0, Int(offset)],
                                                                count: [2, Int(length)])
        #expect(record2 == [8, 9, 10, 11, 1008, 1009, 1010, 1011])
        #expect(try dataset.variable(named: "id").readStrings() == ids)
    }

    @Test func groupsAndDottedNamesRoundTrip() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.nc")
        let name = "body.3.down.1.running_var"
        let file = try NetCDFFile.create(at: url)
        let channels = try file.root.createDimension(named: "c4", length: 4)
        try file.root.createVariable(named: name, type: .float32, dimensions: [channels]).write([Float]([1, 2, 3, 4]))
        let optimizer = try file.root.createGroup(named: "optimizer")
        for (moment, scale) in [("m", Float(10)), ("v", Float(100))] {
            let group = try optimizer.createGroup(named: moment)
            // The dimension defined in the root group is visible from nested groups.
            let inherited = try group.dimension(named: "c4")
            try group.createVariable(named: name, type: .float32, dimensions: [inherited])
                .write([Float]([1, 2, 3, 4]).map { $0 * scale })
        }
        let step = try optimizer.createVariable(named: "step", type: .int64, dimensions: [])
        try step.write([Int64(42)])
        try file.close()

        let root = try NetCDFFile.open(at: url).root
        #expect(try root.variableNames() == [name])
        #expect(try root.groupNames() == ["optimizer"])
        let reopenedOptimizer = try root.group(named: "optimizer")
        #expect(try reopenedOptimizer.groupNames() == ["m", "v"])
        let v = try reopenedOptimizer.group(named: "v")
        #expect(v.path == "/optimizer/v")
        let variable = try v.variable(named: name)
        #expect(variable.qualifiedName == "optimizer/v/" + name)
        #expect(variable.dimensions.map(\.name) == ["c4"])
        #expect(try variable.read(Float.self) == [100, 200, 300, 400])
        #expect(try root.variable(named: name).read(Float.self) == [1, 2, 3, 4])
        let reopenedStep = try reopenedOptimizer.variable(named: "step")
        #expect(reopenedStep.dimensions.isEmpty)
        #expect(try reopenedStep.read(Int64.self) == [42])
    }

    @Test func attributesRoundTripGloballyAndOnVariables() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("attributes.nc")
        let json = #"{"history": [{"epoch": 1, "auroc": 0.91}], "note": "a \"quoted\"\nline, µV"}"#
        let file = try NetCDFFile.create(at: url)
        let global = file.root.attributes
        try global.set("format_version", to: .integer(1))
        try global.set("metric_history", to: .text(json))
        try global.set("learning_rate", to: .double(3e-4))
        try global.set("betas", to: .doubles([0.9, 0.999]))
        try global.set("rng_words", to: .integers([.min, 0, .max]))
        try global.set("classes", to: .strings(["164889003", "426783006"]))
        try global.set("empty", to: .text(""))
        try global.set("format_version", to: .integer(2))
        let axis = try file.root.createDimension(named: "n", length: 1)
        let variable = try file.root.createVariable(named: "fc.bias", type: .float32, dimensions: [axis])
        try variable.attributes.set("units", to: .text("1"))
        try variable.write([Float(0.5)])
        try file.close()

        let reopened = try NetCDFFile.open(at: url).root
        let attributes = reopened.attributes
        #expect(try attributes.names()
            == ["format_version", "metric_history", "learning_rate", "betas", "rng_words", "classes", "empty"])
        #expect(try attributes.integer(named: "format_version") == 2)
        #expect(try attributes.text(named: "metric_history") == json)
        #expect(try attributes.double(named: "learning_rate") == 3e-4)
        #expect(try attributes.value(named: "betas") == .doubles([0.9, 0.999]))
        #expect(try attributes.value(named: "rng_words") == .integers([.min, 0, .max]))
        #expect(try attributes.value(named: "classes") == .strings(["164889003", "426783006"]))
        #expect(try attributes.text(named: "empty") == "")
        #expect(try reopened.variable(named: "fc.bias").attributes.text(named: "units") == "1")
    }

    @Test func unlimitedDimensionGrowsWithAppends() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("log.nc")
        let file = try NetCDFFile.create(at: url)
        let step = try file.root.createUnlimitedDimension(named: "step")
        let metric = try file.root.createDimension(named: "metric", length: 2)
        let history = try file.root.createVariable(named: "history", type: .float64, dimensions: [step, metric])
        try history.write([1.0, 2.0, 3.0, 4.0], start: [0, 0], count: [2, 2])
        try history.write([5.0, 6.0], start: [2, 0], count: [1, 2])
        try file.close()

        let reopened = try NetCDFFile.open(at: url).root
        let dimension = try reopened.dimension(named: "step")
        #expect(dimension.isUnlimited)
        #expect(try dimension.length() == 3)
        #expect(try !reopened.dimension(named: "metric").isUnlimited)
        #expect(try reopened.variable(named: "history").read(Double.self) == [1, 2, 3, 4, 5, 6])
    }

    @Test func unsafeBuffersWriteAndReadWithoutCopies() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("parameters.nc")
        // One contiguous parameter buffer holding two parameters: [0, 6) and [6, 10).
        let parameters = (0..<10).map { Float($0) * 0.25 }
        let file = try NetCDFFile.create(at: url)
        let six = try file.root.createDimension(named: "six", length: 6)
        let four = try file.root.createDimension(named: "four", length: 4)
        let weight = try file.root.createVariable(named: "weight", type: .float32, dimensions: [six])
        let bias = try file.root.createVariable(named: "bias", type: .float32, dimensions: [four])
        try parameters.withUnsafeBufferPointer { buffer in
            try weight.write(UnsafeBufferPointer(rebasing: buffer[0..<6]))
            try bias.write(UnsafeBufferPointer(rebasing: buffer[6..<10]))
        }
        try file.close()

        let root = try NetCDFFile.open(at: url).root
        var restored = [Float](repeating: -1, count: 10)
        try restored.withUnsafeMutableBufferPointer { buffer in
            try root.variable(named: "weight").read(into: UnsafeMutableBufferPointer(rebasing: buffer[0..<6]),
                                                    start: [0], count: [6])
            try root.variable(named: "bias").read(into: UnsafeMutableBufferPointer(rebasing: buffer[6..<10]),
                                                  start: [0], count: [4])
        }
        #expect(restored == parameters)
    }

    @Test func chunkedCompressedStorageRoundTripsSmaller() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A slowly varying int16 signal compresses well.
        let signal = (0..<200_000).map { Int16(($0 / 100) % 2000) }
        var sizes: [Int] = []
        for storage in [NetCDFStorage.contiguous, .chunked([10_000], deflateLevel: 4, shuffle: true)] {
            let url = directory.appendingPathComponent("signal-\(sizes.count).nc")
            let file = try NetCDFFile.create(at: url)
            let sample = try file.root.createDimension(named: "sample", length: signal.count)
            try file.root.createVariable(named: "signal", type: .int16, dimensions: [sample], storage: storage)
                .write(signal)
            try file.close()
            #expect(try NetCDFFile.open(at: url).root.variable(named: "signal")
                .read(Int16.self, start: [123_456], count: [3]) == [1234, 1234, 1234])
            #expect(try NetCDFFile.open(at: url).root.variable(named: "signal").read(Int16.self) == signal)
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            sizes.append((attributes[.size] as? Int) ?? 0)
        }
        // Contiguous storage holds at least the raw 400,000 bytes; deflate shrinks them well below that.
        #expect(sizes[0] >= 400_000)
        #expect(sizes[1] < sizes[0] / 4)
    }

    @Test func threadsCreateWriteAndReadFilesAtOnce() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // With NetCDFLibraryLock disabled this failed in 7 of 20 runs (4 crashes, 3 wrong values): NetCDF-C's own
        // bookkeeping is not thread-safe even over a thread-safe HDF5.
        let files = 400, length = 500
        // Each iteration writes only its own element.
        nonisolated(unsafe) let mismatches = UnsafeMutableBufferPointer<Int>.allocate(capacity: files)
        defer { mismatches.deallocate() }
        mismatches.initialize(repeating: -1)
        DispatchQueue.concurrentPerform(iterations: files) { index in
            // File `index` holds index * length + i at position i, exactly representable in float32.
            let expected = (0..<length).map { Float(index * length + $0) }
            let url = directory.appendingPathComponent("file-\(index).nc")
            do {
                let file = try NetCDFFile.create(at: url)
                let axis = try file.root.createDimension(named: "n", length: length)
                let variable = try file.root.createVariable(named: "values.\(index)", type: .float32,
                                                            dimensions: [axis])
                try variable.write(expected)
                try variable.attributes.set("index", to: .integer(Int64(index)))
                try file.close()
                let reopened = try NetCDFFile.open(at: url).root.variable(named: "values.\(index)")
                let values = try reopened.read(Float.self)
                let attribute = try reopened.attributes.integer(named: "index")
                mismatches[index] = zip(values, expected).filter { $0 != $1 }.count + (attribute == index ? 0 : 1)
            } catch {
                mismatches[index] = length
            }
        }
        #expect(Array(mismatches) == [Int](repeating: 0, count: files))
    }

    @Test func closeIsIdempotentAndFilesMayBeReopenedForWriting() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("reopen.nc")
        let file = try NetCDFFile.create(at: url)
        let axis = try file.root.createDimension(named: "n", length: 3)
        try file.root.createVariable(named: "x", type: .float64, dimensions: [axis]).write([1.0, 2.0, 3.0])
        try file.sync()
        try file.close()
        try file.close()

        let writable = try NetCDFFile.open(at: url, mode: .write)
        try writable.root.variable(named: "x").write([9.0], start: [1], count: [1])
        try writable.root.attributes.set("edited", to: .integer(1))
        try writable.close()
        let reopened = try NetCDFFile.open(at: url).root
        #expect(try reopened.variable(named: "x").read(Double.self) == [1, 9, 3])
        #expect(try reopened.attributes.integer(named: "edited") == 1)
    }
}
