import CNetCDF

/// A group of a NetCDF file (the root group or a nested one): creates and finds its sub-groups, dimensions and
/// variables, and holds its attributes (the root group's are the file's global attributes).
///
/// Names are used verbatim: NetCDF accepts '.' and a leading digit (`body.3.down.1.running_var`), so no escaping
/// is needed; '/' is not allowed in a name, so path-like names become nested groups (`optimizer` → `m`).
public struct NetCDFGroup: Sendable {
    /// The file this group belongs to (kept open while the group is in use).
    public let file: NetCDFFile
    let id: Int32
    /// The group's full path, "/" for the root group and e.g. "/optimizer/m" for nested ones.
    public let path: String

    init(file: NetCDFFile, id: Int32, path: String) {
        self.file = file
        self.id = id
        self.path = path
    }

    /// How an object of this group is named in error messages: `name` at the root, `optimizer/m/name` below it.
    func qualifiedName(_ name: String) -> String {
        path == "/" ? name : String(path.dropFirst()) + "/" + name
    }

    private var childPathPrefix: String {
        path == "/" ? "/" : path + "/"
    }

    // MARK: Groups

    /// Creates a sub-group called `name`.
    public func createGroup(named name: String) throws(NetCDFError) -> NetCDFGroup {
        try file.requireWritable("create group '\(qualifiedName(name))'")
        var child: Int32 = 0
        try file.call("nc_def_grp", object: "group '\(qualifiedName(name))'") { nc_def_grp(id, name, &child) }
        return NetCDFGroup(file: file, id: child, path: childPathPrefix + name)
    }

    /// The sub-group called `name`; throws `NetCDFError.notFound` listing the existing ones if there is none.
    public func group(named name: String) throws(NetCDFError) -> NetCDFGroup {
        try file.withOpenFile { () throws(NetCDFError) in
            var child: Int32 = 0
            let status = nc_inq_grp_ncid(id, name, &child)
            if status == NC_ENOGRP {
                throw .notFound(path: file.url.path, kind: "group", name: name, container: "group \(path)",
                                available: try groupNames())
            }
            try file.check(status, operation: "nc_inq_grp_ncid", object: "group '\(qualifiedName(name))'")
            return NetCDFGroup(file: file, id: child, path: childPathPrefix + name)
        }
    }

    /// The names of this group's direct sub-groups.
    public func groupNames() throws(NetCDFError) -> [String] {
        try file.withOpenFile { () throws(NetCDFError) in
            let ids = try libraryIDs("nc_inq_grps") { count, ids in nc_inq_grps(id, count, ids) }
            var names: [String] = []
            for child in ids {
                names.append(try file.name("nc_inq_grpname", object: "group \(path)") { nc_inq_grpname(child, $0) })
            }
            return names
        }
    }

    // MARK: Dimensions

    /// Creates a dimension of fixed `length` (at least 1) in this group.
    public func createDimension(named name: String, length: Int) throws(NetCDFError) -> NetCDFDimension {
        guard length > 0 else {
            throw .invalidArgument(path: file.url.path, operation: "creating dimension '\(qualifiedName(name))'",
                                   reason: "a fixed dimension needs a length of at least 1, not \(length); use "
                                       + "createUnlimitedDimension(named:) for one that grows")
        }
        return try defineDimension(named: name, length: length)
    }

    /// Creates an unlimited dimension in this group: its length grows as variables are written along it.
    public func createUnlimitedDimension(named name: String) throws(NetCDFError) -> NetCDFDimension {
        try defineDimension(named: name, length: Int(NC_UNLIMITED))
    }

    private func defineDimension(named name: String, length: Int) throws(NetCDFError) -> NetCDFDimension {
        try file.requireWritable("create dimension '\(qualifiedName(name))'")
        var dimensionID: Int32 = 0
        try file.call("nc_def_dim", object: "dimension '\(qualifiedName(name))'") {
            nc_def_dim(id, name, length, &dimensionID)
        }
        return NetCDFDimension(file: file, groupID: id, id: dimensionID, name: name,
                               isUnlimited: length == Int(NC_UNLIMITED))
    }

    /// The dimension called `name`, defined in this group or one of its ancestors (NetCDF's scoping rule).
    public func dimension(named name: String) throws(NetCDFError) -> NetCDFDimension {
        try file.withOpenFile { () throws(NetCDFError) in
            var dimensionID: Int32 = 0
            let status = nc_inq_dimid(id, name, &dimensionID)
            if status == NC_EBADDIM {
                let available = try dimensions().map(\.name)
                throw .notFound(path: file.url.path, kind: "dimension", name: name, container: "group \(path)",
                                available: available)
            }
            try file.check(status, operation: "nc_inq_dimid", object: "dimension '\(qualifiedName(name))'")
            return try dimension(withID: dimensionID)
        }
    }

    /// The dimensions defined in this group itself (not those inherited from ancestors).
    public func dimensions() throws(NetCDFError) -> [NetCDFDimension] {
        try file.withOpenFile { () throws(NetCDFError) in
            let ids = try libraryIDs("nc_inq_dimids") { count, ids in nc_inq_dimids(id, count, ids, 0) }
            var dimensions: [NetCDFDimension] = []
            for dimensionID in ids {
                dimensions.append(try dimension(withID: dimensionID))
            }
            return dimensions
        }
    }

    /// The dimension with library id `dimensionID` as seen from this group; call with the library lock held.
    func dimension(withID dimensionID: Int32) throws(NetCDFError) -> NetCDFDimension {
        let name = try file.name("nc_inq_dimname", object: "dimension #\(dimensionID) in group \(path)") {
            nc_inq_dimname(id, dimensionID, $0)
        }
        return NetCDFDimension(file: file, groupID: id, id: dimensionID, name: name,
                               isUnlimited: try isUnlimited(dimensionID: dimensionID))
    }

    /// Whether `dimensionID` is unlimited: NetCDF lists unlimited dimensions per defining group, so this group
    /// and its ancestors are asked in turn.
    private func isUnlimited(dimensionID: Int32) throws(NetCDFError) -> Bool {
        var groupID = id
        while true {
            let unlimited = try libraryIDs("nc_inq_unlimdims") { count, ids in nc_inq_unlimdims(groupID, count, ids) }
            if unlimited.contains(dimensionID) { return true }
            var parent: Int32 = 0
            let status = nc_inq_grp_parent(groupID, &parent)
            if status == NC_ENOGRP { return false }
            try file.check(status, operation: "nc_inq_grp_parent", object: "group \(path)")
            groupID = parent
        }
    }

    // MARK: Variables

    /// Creates a variable called `name` of element `type` over `dimensions` (outermost first, none for a
    /// scalar), stored as `storage` says.
    public func createVariable(named name: String, type: NetCDFType, dimensions: [NetCDFDimension],
                               storage: NetCDFStorage = .contiguous) throws(NetCDFError) -> NetCDFVariable {
        let qualified = qualifiedName(name)
        try file.requireWritable("create variable '\(qualified)'")
        if let foreign = dimensions.first(where: { $0.file !== file }) {
            throw .invalidArgument(path: file.url.path, operation: "creating variable '\(qualified)'",
                                   reason: "dimension '\(foreign.name)' belongs to another file "
                                       + "(\(foreign.file.url.path)); create it in this file")
        }
        return try file.withOpenFile { () throws(NetCDFError) in
            var variableID: Int32 = 0
            let dimensionIDs = dimensions.map(\.id)
            try file.check(nc_def_var(id, name, type.code, Int32(dimensionIDs.count), dimensionIDs, &variableID),
                           operation: "nc_def_var", object: "variable '\(qualified)'")
            try storage.apply(to: variableID, in: id, dimensions: dimensions, file: file, variable: qualified)
            return NetCDFVariable(group: self, id: variableID, name: name, type: type, dimensions: dimensions)
        }
    }

    /// The variable called `name` in this group; throws `NetCDFError.notFound` listing the existing ones if there
    /// is none.
    public func variable(named name: String) throws(NetCDFError) -> NetCDFVariable {
        try file.withOpenFile { () throws(NetCDFError) in
            var variableID: Int32 = 0
            let status = nc_inq_varid(id, name, &variableID)
            if status == NC_ENOTVAR {
                throw .notFound(path: file.url.path, kind: "variable", name: name, container: "group \(path)",
                                available: try variableNames())
            }
            try file.check(status, operation: "nc_inq_varid", object: "variable '\(qualifiedName(name))'")
            return try variable(withID: variableID, name: name)
        }
    }

    /// The names of the variables in this group, in definition order.
    public func variableNames() throws(NetCDFError) -> [String] {
        try file.withOpenFile { () throws(NetCDFError) in
            let ids = try libraryIDs("nc_inq_varids") { count, ids in nc_inq_varids(id, count, ids) }
            var names: [String] = []
            for variableID in ids {
                names.append(try file.name("nc_inq_varname", object: "variable #\(variableID) in group \(path)") {
                    nc_inq_varname(id, variableID, $0)
                })
            }
            return names
        }
    }

    /// The variables of this group, in definition order.
    public func variables() throws(NetCDFError) -> [NetCDFVariable] {
        var variables: [NetCDFVariable] = []
        for name in try variableNames() {
            variables.append(try variable(named: name))
        }
        return variables
    }

    private func variable(withID variableID: Int32, name: String) throws(NetCDFError) -> NetCDFVariable {
        let qualified = qualifiedName(name)
        var typeCode: nc_type = 0
        try file.check(nc_inq_vartype(id, variableID, &typeCode), operation: "nc_inq_vartype",
                       object: "variable '\(qualified)'")
        guard let type = NetCDFType(code: typeCode) else {
            throw .invalidArgument(path: file.url.path, operation: "opening variable '\(qualified)'",
                                   reason: "its type (nc_type \(typeCode)) is a user-defined type, which this "
                                       + "layer does not read")
        }
        var rank: Int32 = 0
        try file.check(nc_inq_varndims(id, variableID, &rank), operation: "nc_inq_varndims",
                       object: "variable '\(qualified)'")
        var dimensionIDs = [Int32](repeating: 0, count: Int(rank))
        try file.check(nc_inq_vardimid(id, variableID, &dimensionIDs), operation: "nc_inq_vardimid",
                       object: "variable '\(qualified)'")
        var dimensions: [NetCDFDimension] = []
        for dimensionID in dimensionIDs {
            dimensions.append(try dimension(withID: dimensionID))
        }
        return NetCDFVariable(group: self, id: variableID, name: name, type: type, dimensions: dimensions)
    }

    // MARK: Attributes

    /// This group's attributes; the root group's are the file's global attributes.
    public var attributes: NetCDFAttributes {
        NetCDFAttributes(file: file, groupID: id, variableID: NC_GLOBAL,
                         owner: path == "/" ? "global attributes" : "group \(path)")
    }

    /// Runs a library listing call twice (once for the count, once for the ids); call with the library lock held.
    private func libraryIDs(_ operation: String,
                          _ listing: (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>?) -> Int32)
        throws(NetCDFError) -> [Int32] {
        var count: Int32 = 0
        try file.check(listing(&count, nil), operation: operation, object: "group \(path)")
        guard count > 0 else { return [] }
        var ids = [Int32](repeating: 0, count: Int(count))
        try file.check(listing(&count, &ids), operation: operation, object: "group \(path)")
        return Array(ids.prefix(Int(count)))
    }
}
