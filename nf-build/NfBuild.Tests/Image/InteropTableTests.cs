using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using NfBuild.Image;
using NfBuild.Tests.Virtual;
using Xunit;

namespace NfBuild.Tests.Image;

/// <summary>
/// The C# interop declarations (Firmware/Interop, read from the host build's metadata) and our C++ side
/// (nf-build/Image/target/IotDevice.Interop) agree: the method table lists every method in the order nanoFramework's
/// metadata processor lists them, with its names, and carries the native checksum the processor computes. Rules and
/// algorithm from nanoframework/metadata-processor 4541b46 (NativeMethodsCrc.cs, nanoTablesContext.cs GetOrderedTypes /
/// GetOrderedMethods, nanoSkeletonGenerator.cs, Utility/Crc32.cs): re-implemented here, not copied.
/// </summary>
public class InteropTableTests
{
    private const string AssemblyName = "IotDevice.Interop";
    private const string SafeName = "IotDevice_Interop";

    private static readonly Assembly Interop = typeof(IotDevice.Interop.Nvs).Assembly;

    private static string Source(string file) => Encoding.UTF8.GetString(ImageConfigWriter.TargetSources()[file]);

    private static List<Type> InteropTypes() =>
        Interop.GetTypes().Where(t => t.Namespace == "IotDevice.Interop").ToList();

    /// <summary>Types as the processor orders them: by full name (no usage reordering: no method has a body).</summary>
    private static List<Type> OrderedTypes() => InteropTypes().OrderBy(t => t.FullName, StringComparer.Ordinal).ToList();

    /// <summary>Methods in metadata order (Cecil's order); the processor puts virtual, then instance, then static: all are static.</summary>
    private static List<MethodInfo> OrderedMethods(Type t) =>
        t.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(m => m.MetadataToken).ToList();

    private static string ClassName(Type t) => (t.Namespace + "." + t.Name).Replace('.', '_');

    private static string TypeCode(Type t)
    {
        if (t.IsArray)
            return "SZARRAY_" + TypeCode(t.GetElementType()!);
        if (t.IsByRef)
            return "BYREF_" + TypeCode(t.GetElementType()!);
        return t.FullName switch
        {
            "System.Void" => "VOID",
            "System.Boolean" => "BOOLEAN",
            "System.Char" => "CHAR",
            "System.SByte" => "I1",
            "System.Int16" => "I2",
            "System.Int32" => "I4",
            "System.Int64" => "I8",
            "System.Byte" => "U1",
            "System.UInt16" => "U2",
            "System.UInt32" => "U4",
            "System.UInt64" => "U8",
            "System.Single" => "R4",
            "System.Double" => "R8",
            "System.String" => "STRING",
            _ => t.FullName!.Replace(".", ""),
        };
    }

    private static string MethodName(MethodInfo m) =>
        m.Name + (m.IsStatic ? "___STATIC__" : "___") +
        string.Join("__", new[] { TypeCode(m.ReturnType) }.Concat(m.GetParameters().Select(p => TypeCode(p.ParameterType))));

    private static List<string> ExpectedTable() =>
        OrderedTypes().SelectMany(t => OrderedMethods(t).Select(m => $"Library_{SafeName}_{ClassName(t)}::{MethodName(m)}")).ToList();

    /// <summary>CRC-32, polynomial 0x04C11DB7, MSB first, no reflection, no final XOR (the processor's ZModem table).</summary>
    internal static uint Crc32(byte[] data, uint crc)
    {
        foreach (byte b in data)
        {
            crc ^= (uint)b << 24;
            for (int i = 0; i < 8; i++)
                crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
        }
        return crc;
    }

    /// <summary>The processor's native checksum: per method of every stub type, name + class + method; 0 until the first native one.</summary>
    private static uint ExpectedChecksum()
    {
        uint crc = 0;
        int natives = 0;
        foreach (var t in OrderedTypes())
            foreach (var m in OrderedMethods(t))
            {
                uint current = natives > 0 ? crc : 0;
                if ((m.MethodImplementationFlags & MethodImplAttributes.InternalCall) != 0)
                {
                    crc = Crc32(Encoding.ASCII.GetBytes(AssemblyName), current);
                    crc = Crc32(Encoding.ASCII.GetBytes(ClassName(t)), crc);
                    crc = Crc32(Encoding.ASCII.GetBytes(MethodName(m)), crc);
                    natives++;
                }
                else
                {
                    crc = Crc32(Encoding.ASCII.GetBytes("NULL"), current);
                }
            }
        return natives > 0 ? crc : 0;
    }

    private static List<string> CppTable()
    {
        string cpp = Source("IotDevice_Interop.cpp");
        var body = Regex.Match(cpp, @"method_lookup\[\]\s*=\s*\{(.*?)\};", RegexOptions.Singleline);
        Assert.True(body.Success, "method_lookup not found in IotDevice_Interop.cpp");
        return body.Groups[1].Value.Split(',').Select(e => Regex.Replace(e, @"//[^\n]*", "").Trim()).Where(e => e.Length > 0).ToList();
    }

    [Fact]
    public void Crc32_IsTheZModemTable()
    {
        // table entries 1 and 2 of MetadataProcessor.Shared/Utility/Crc32.cs
        Assert.Equal(0x04C11DB7u, Crc32([1], 0));
        Assert.Equal(0x09823B6Eu, Crc32([2], 0));
        Assert.Equal(0x4C11DB70u, Crc32([16], 0));
    }

    [Fact]
    public void InteropAssembly_FollowsTheRulesTheTableDependsOn()
    {
        var types = InteropTypes();
        Assert.NotEmpty(types);
        Assert.Equal(AssemblyName, Interop.GetName().Name);
        foreach (var t in types)
        {
            Assert.True(t.IsClass && t.IsAbstract && t.IsSealed, $"{t.Name}: only static classes");
            Assert.Empty(t.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic));
            Assert.Empty(t.GetFields(BindingFlags.DeclaredOnly | BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic));
            Assert.Empty(t.GetConstructors(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic));
            foreach (var m in OrderedMethods(t))
            {
                Assert.True(m.IsStatic, $"{t.Name}.{m.Name}: static");
                Assert.True((m.MethodImplementationFlags & MethodImplAttributes.InternalCall) != 0, $"{t.Name}.{m.Name}: [MethodImpl(MethodImplOptions.InternalCall)] extern");
                Assert.Null(m.GetMethodBody());
            }
        }
        // the processor sorts with a culture comparer: distinct first letters make every comparer agree
        Assert.Equal(types.Count, types.Select(t => char.ToUpperInvariant(t.Name[0])).Distinct().Count());
        Assert.Equal(types.OrderBy(t => t.FullName, StringComparer.Ordinal), types.OrderBy(t => t.FullName, StringComparer.InvariantCultureIgnoreCase));
    }

    [Fact]
    public void MethodTable_ListsEveryMethod_InTheProcessorsOrder_WithItsNames()
    {
        var expected = ExpectedTable();
        var actual = CppTable();
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void NativeChecksum_AndVersion_AreTheOnesTheManagedAssemblyCarries()
    {
        string cpp = Source("IotDevice_Interop.cpp");
        var decl = Regex.Match(cpp, @"CLR_RT_NativeAssemblyData\s+g_CLR_AssemblyNative_IotDevice_Interop\s*=\s*\{\s*""([^""]+)"",\s*0x([0-9A-Fa-f]{8}),\s*method_lookup,\s*\{\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+)\s*\}");
        Assert.True(decl.Success, "CLR_RT_NativeAssemblyData declaration not found (it must also match FindNF_NativeAssemblies.cmake's AddNativeAssemblyVersion)");
        Assert.Equal(AssemblyName, decl.Groups[1].Value);
        Assert.Equal($"{ExpectedChecksum():X8}", decl.Groups[2].Value.ToUpperInvariant());

        string assemblyInfo = File.ReadAllText(TestDevices.RepoFile("Firmware/Interop/Properties/AssemblyInfo.cs"));
        var native = Regex.Match(assemblyInfo, @"AssemblyNativeVersion\(""(\d+)\.(\d+)\.(\d+)\.(\d+)""\)");
        Assert.True(native.Success);
        for (int i = 1; i <= 4; i++)
            Assert.Equal(native.Groups[i].Value, decl.Groups[i + 2].Value);

        var manifestEntry = ((System.Text.Json.Nodes.JsonArray)ImageManifest.Load().Root["nativeAssemblies"]!)
            .Single(e => (string)e!["assembly"]! == AssemblyName)!;
        Assert.Equal("0x" + decl.Groups[2].Value, (string)manifestEntry["nativeChecksum"]!);
    }

    [Fact]
    public void Header_DeclaresExactlyTheTable_AndEveryMethodIsImplementedOnce()
    {
        string header = Source("IotDevice_Interop.h");
        var declared = new List<string>();
        foreach (Match s in Regex.Matches(header, @"struct\s+(Library_\w+)\s*\{(.*?)\};", RegexOptions.Singleline))
            foreach (Match d in Regex.Matches(s.Groups[2].Value, @"NANOCLR_NATIVE_DECLARE\((\w+)\)"))
                declared.Add(s.Groups[1].Value + "::" + d.Groups[1].Value);
        Assert.Equal(ExpectedTable(), declared);

        var sources = ImageConfigWriter.TargetSources().Where(f => f.Key.EndsWith(".cpp", StringComparison.Ordinal))
            .ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value));
        foreach (string entry in ExpectedTable())
        {
            var definitions = sources.Where(s => Regex.IsMatch(s.Value, @"HRESULT\s+" + Regex.Escape(entry).Replace("::", @"::\s*") + @"\s*\(\s*CLR_RT_StackFrame\s*&\s*stack\s*\)")).ToList();
            Assert.True(definitions.Count == 1, $"{entry}: defined in {definitions.Count} files");
            // in the class's own file, as the processor names it: <Assembly>_<Class>.cpp
            string cls = entry[("Library_" + SafeName + "_").Length..entry.IndexOf("::", StringComparison.Ordinal)];
            Assert.Equal($"{SafeName}_{cls}.cpp", definitions[0].Key);
        }
    }

    [Fact]
    public void CmakeModule_BuildsEverySourceFile_AndOnlyThose()
    {
        string module = Source("FindINTEROP-IotDevice.Interop.cmake");
        var listed = Regex.Match(module, @"set\(IotDevice\.Interop_SRCS(.*?)\)", RegexOptions.Singleline).Groups[1].Value
            .Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();
        var compiled = ImageConfigWriter.TargetSources().Keys.Where(k => k.EndsWith(".c", StringComparison.Ordinal) || k.EndsWith(".cpp", StringComparison.Ordinal));
        Assert.Equal(compiled.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        // the A/B pairing is wired into exactly nanoFramework's two partition lookups
        Assert.Contains("${PROJECT_SOURCE_DIR}/targets/ESP32/_common/Device_BlockStorage.c", module);
        Assert.Contains("${PROJECT_SOURCE_DIR}/targets/ESP32/_common/Target_BlockStorage_ESP32FlashDriver.c", module);
        Assert.Contains("\"esp_partition_find_first=iotdevice_partition_find_first\"", module);
        Assert.Contains("iotdevice_partition_find_first(", Source("iotdevice_ab_partitions.c"));
    }
}
