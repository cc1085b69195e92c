import DistTensor
import Foundation
import Testing

/// Files written here open with the standard NetCDF tools, and files written by the standard tools read here: the
/// references are `ncdump`'s view of our files and `ncgen`'s files made from CDL text (Debian's netcdf-bin; the
/// tests are skipped where it is not installed).
@Suite(.enabled(if: NetCDFTestSupport.netCDFToolsAvailable, "ncdump/ncgen (netcdf-bin) not installed"))
struct NetCDFToolInteropTests {
    /// Writes a small checkpoint-shaped file atomically: dotted parameter names, optimizer groups, an RNG-state
    /// matrix, string ids and global attributes of every kind.
    private func writeCheckpoint(to url: URL) throws {
        try NetCDFFile.writeAtomically(to: url) { file in
            let root = file.root
            try root.attributes.set("format_version", to: .integer(1))
            try root.attributes.set("learning_rate", to: .double(0.5))
            try root.attributes.set("metric_history", to: .text(#"{"auroc": [0.5]}"#))
            try root.attributes.set("classes", to: .strings(["164889003", "426783006"]))
            let channels = try root.createDimension(named: "c2", length: 2)
            let rank = try root.createDimension(named: "rank", length: 2)
            let word = try root.createDimension(named: "word", length: 3)
            let record = try root.createUnlimitedDimension(named: "record")
            try root.createVariable(named: "body.3.down.1.running_var", type: .float32, dimensions: [channels])
                .write([Float]([1.5, -2.25]))
            try root.createVariable(named: "rng_state", type: .int64, dimensions: [rank, word])
                .write([Int64]([1, 2, 3, -4, .max, .min]))
            try root.createVariable(named: "id", type: .string, dimensions: [record])
                .write(["E07500", "Ä ß"], start: [0], count: [2])
            let optimizer = try root.createGroup(named: "optimizer")
            for moment in ["m", "v"] {
                try optimizer.createGroup(named: moment)
                    .createVariable(named: "body.3.down.1.running_var", type: .float32, dimensions: [channels])
                    .write([Float]([0.125, 4]))
            }
        }
    }

    @Test func ncdumpShowsTheHeaderOfOurFiles() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.nc")
        try writeCheckpoint(to: url)
        let dump = try NetCDFTestSupport.run("ncdump", ["-h", url.path])
        #expect(dump.status == 0, "ncdump failed: \(dump.error)")
        let lines = dump.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for expected in ["c2 = 2 ;", "record = UNLIMITED ; // (2 currently)",
                         "float body.3.down.1.running_var(c2) ;", "int64 rng_state(rank, word) ;",
                         "string id(record) ;", ":format_version = 1LL ;", ":learning_rate = 0.5 ;",
                         #":metric_history = "{\"auroc\": [0.5]}" ;"#,
                         #"string :classes = "164889003", "426783006" ;"#,
                         "group: optimizer {", "group: m {", "group: v {"] {
            #expect(lines.contains(expected), "ncdump -h lacks \(expected):\n\(dump.output)")
        }
    }

    @Test func ncdumpShowsTheValuesWeWrote() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.nc")
        try writeCheckpoint(to: url)
        let dump = try NetCDFTestSupport.run("ncdump", [url.path])
        #expect(dump.status == 0, "ncdump failed: \(dump.error)")
        let text = dump.output.replacingOccurrences(of: "\n", with: " ")
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for expected in ["body.3.down.1.running_var = 1.5, -2.25 ;",
                         "rng_state = 1, 2, 3, -4, 9223372036854775807, -9223372036854775808 ;",
                         #"id = "E07500", "Ä ß" ;"#, "body.3.down.1.running_var = 0.125, 4 ;"] {
            #expect(text.contains(expected), "ncdump lacks \(expected):\n\(dump.output)")
        }
    }

    @Test func ncdumpShowsTheStorageWeAskedFor() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("dataset.nc")
        let file = try NetCDFFile.create(at: url)
        let sample = try file.root.createDimension(named: "sample", length: 1000)
        let samples = (0..<1000).map { Int16($0 % 7 == 0 ? -32767 : $0) }
        try file.root.createVariable(named: "plain", type: .int16, dimensions: [sample]).write(samples)
        try file.root.createVariable(named: "packed", type: .int16, dimensions: [sample],
                                     storage: .chunked([250], deflateLevel: 3, shuffle: true, prefill: false))
            .write(samples)
        try file.close()
        #expect(try NetCDFFile.open(at: url).root.variable(named: "packed").read(Int16.self) == samples)

        let dump = try NetCDFTestSupport.run("ncdump", ["-h", "-s", url.path])
        #expect(dump.status == 0, "ncdump failed: \(dump.error)")
        let lines = dump.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for expected in [#"plain:_Storage = "contiguous" ;"#, #"packed:_Storage = "chunked" ;"#,
                         "packed:_ChunkSizes = 250 ;", "packed:_DeflateLevel = 3 ;", #"packed:_Shuffle = "true" ;"#,
                         #"packed:_NoFill = "true" ;"#] {
            #expect(lines.contains(expected), "ncdump -h -s lacks \(expected):\n\(dump.output)")
        }
        #expect(!lines.contains(#"plain:_NoFill = "true" ;"#))
    }

    @Test func syncedDataIsVisibleToAnotherProcessWhileTheFileIsOpen() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("open.nc")
        let file = try NetCDFFile.create(at: url)
        let step = try file.root.createUnlimitedDimension(named: "step")
        let loss = try file.root.createVariable(named: "loss", type: .float64, dimensions: [step])
        try loss.write([0.75, 0.5], start: [0], count: [2])
        try file.sync()
        // HDF5 file locking is off (HDF5FileLocking), so another process may open a file this one still writes.
        let dump = try NetCDFTestSupport.run("ncdump", ["-v", "loss", url.path])
        try file.close()
        #expect(dump.status == 0, "ncdump failed: \(dump.error)")
        #expect(dump.output.contains("loss = 0.75, 0.5 ;"), "\(dump.output)")
    }

    @Test func filesMadeByNcgenReadBack() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cdl = directory.appendingPathComponent("reference.cdl")
        let url = directory.appendingPathComponent("reference.nc")
        try Data(#"""
        netcdf reference {
        dimensions:
            record = UNLIMITED ;
            class = 2 ;
        variables:
            float body.3.down.1.running_var(class) ;
                body.3.down.1.running_var:units = "1" ;
            ubyte labels(record, class) ;
            string id(record) ;
            int64 rng(record) ;
            short signal(record, class) ;
            double lr ;
        :title = "made by ncgen" ;
        :epochs = 1, 2, 3 ;
        :scale = 0.5f ;
        data:
            body.3.down.1.running_var = 0.25, -1.5 ;
            labels = 0, 1, 1, 0, 255, 7 ;
            id = "E1", "Ä", "" ;
            rng = -9223372036854775807, 0, 9223372036854775807 ;
            signal = -32768, 32767, 0, -1, 12, 13 ;
            lr = 1e-300 ;
        group: optimizer {
          group: m {
            variables:
              double fc.bias(class) ;
            data:
              fc.bias = 0.1, -2 ;
          }
        }
        }
        """#.utf8).write(to: cdl)
        let generated = try NetCDFTestSupport.run("ncgen", ["-4", "-o", url.path, cdl.path])
        #expect(generated.status == 0, "ncgen failed: \(generated.error)")

        let root = try NetCDFFile.open(at: url).root
        let runningVar = try root.variable(named: "body.3.down.1.running_var")
        #expect(try runningVar.read(Float.self) == [0.25, -1.5])
        #expect(try runningVar.attributes.text(named: "units") == "1")
        #expect(try root.dimension(named: "record").isUnlimited)
        #expect(try root.variable(named: "labels").read(UInt8.self, start: [1, 0], count: [2, 2]) == [1, 0, 255, 7])
        #expect(try root.variable(named: "id").readStrings() == ["E1", "Ä", ""])
        #expect(try root.variable(named: "rng").read(Int64.self) == [-9_223_372_036_854_775_807, 0, .max])
        #expect(try root.variable(named: "signal").read(Int16.self, start: [0, 0], count: [3, 1]) == [-32768, 0, 12])
        #expect(try root.variable(named: "lr").read(Double.self) == [1e-300])
        #expect(try root.attributes.text(named: "title") == "made by ncgen")
        #expect(try root.attributes.value(named: "epochs") == .integers([1, 2, 3]))
        #expect(try root.attributes.double(named: "scale") == 0.5)
        let bias = try root.group(named: "optimizer").group(named: "m").variable(named: "fc.bias")
        #expect(try bias.read(Double.self) == [0.1, -2])
    }
}
