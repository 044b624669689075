using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Firmware.Portability;

/// <summary>
/// The public API of nanoFramework's real mscorlib.dll (the nanoFramework.CoreLibrary package pinned in
/// Firmware/Core/packages.config, copied next to this test assembly by the project file), read from its
/// metadata in the allow-list's vocabulary: <c>Namespace.Type</c> and <c>Namespace.Type.member</c>
/// (<c>.ctor</c>, <c>this[]</c> for indexers, operators by metadata name). This replaces a hand-kept
/// CoreLibrary group in nanoframework-api.txt: what the device's mscorlib has is read, not transcribed.
/// Overloads are not distinguished (as in the allow-list); the core itself is compiled against the real
/// mscorlib by Firmware/MscorlibBuild, which catches a missing overload there.
/// </summary>
public static class MscorlibApi
{
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "nanoframework", "mscorlib.dll");

    /// <summary>Adds every public type and public/protected member of the assembly at <paramref name="path"/>.</summary>
    public static void AddTo(ApiAllowList list, string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            if (!IsVisible(md, type))
                continue;
            string name = FullName(md, type);
            list.AddType(name);
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                var access = method.Attributes & MethodAttributes.MemberAccessMask;
                if (access is MethodAttributes.Public or MethodAttributes.Family or MethodAttributes.FamORAssem)
                    list.AddMember(name, md.GetString(method.Name) == ".ctor" ? ".ctor" : md.GetString(method.Name));
            }
            foreach (var p in type.GetProperties())
            {
                var property = md.GetPropertyDefinition(p);
                var accessors = property.GetAccessors();
                var getter = accessors.Getter.IsNil ? accessors.Setter : accessors.Getter;
                if (getter.IsNil || !IsVisible(md.GetMethodDefinition(getter)))
                    continue;
                bool indexer = property.DecodeSignature(new ParameterCounter(), null).ParameterTypes.Length > 0;
                list.AddMember(name, indexer ? "this[]" : md.GetString(property.Name));
            }
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                var access = field.Attributes & FieldAttributes.FieldAccessMask;
                if (access is FieldAttributes.Public or FieldAttributes.Family or FieldAttributes.FamORAssem)
                    list.AddMember(name, md.GetString(field.Name));
            }
            foreach (var e in type.GetEvents())
            {
                var ev = md.GetEventDefinition(e);
                var adder = ev.GetAccessors().Adder;
                if (!adder.IsNil && IsVisible(md.GetMethodDefinition(adder)))
                    list.AddMember(name, md.GetString(ev.Name));
            }
        }
    }

    private static bool IsVisible(MethodDefinition method)
    {
        var access = method.Attributes & MethodAttributes.MemberAccessMask;
        return access is MethodAttributes.Public or MethodAttributes.Family or MethodAttributes.FamORAssem;
    }

    private static bool IsVisible(MetadataReader md, TypeDefinition type)
    {
        var visibility = type.Attributes & TypeAttributes.VisibilityMask;
        if (visibility == TypeAttributes.Public)
            return true;
        if (visibility is TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem)
            return IsVisible(md, md.GetTypeDefinition(type.GetDeclaringType()));
        return false;
    }

    private static string FullName(MetadataReader md, TypeDefinition type)
    {
        string name = md.GetString(type.Name);
        int tick = name.IndexOf('`');
        if (tick >= 0)
            name = name[..tick];
        if (type.IsNested)
            return FullName(md, md.GetTypeDefinition(type.GetDeclaringType())) + "." + name;
        string ns = md.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>Decodes only as much of a property signature as is needed to count its parameters.</summary>
    private sealed class ParameterCounter : ISignatureTypeProvider<int, object?>
    {
        public int GetArrayType(int elementType, ArrayShape shape) => 0;
        public int GetByReferenceType(int elementType) => 0;
        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;
        public int GetGenericInstantiation(int genericType, System.Collections.Immutable.ImmutableArray<int> typeArguments) => 0;
        public int GetGenericMethodParameter(object? genericContext, int index) => 0;
        public int GetGenericTypeParameter(object? genericContext, int index) => 0;
        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
        public int GetPinnedType(int elementType) => 0;
        public int GetPointerType(int elementType) => 0;
        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;
        public int GetSZArrayType(int elementType) => 0;
        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => 0;
        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => 0;
        public int GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => 0;
    }
}
