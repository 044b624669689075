using Xunit;

namespace Firmware.Portability;

/// <summary>The guard catches each construct nanoFramework 1.x lacks, and passes what it has.</summary>
public class PortabilityGuardTests
{
    private static readonly ApiAllowList Allow = ApiAllowList.Parse("""
        System.Object: ToString, Equals
        System.String: Length, Substring, IndexOf
        System.Int32: ToString
        System.Exception: Message
        System.ArgumentException: .ctor
        System.DateTime: UtcNow
        System.Collections.ArrayList: .ctor, Add, Count, this[]
        System.Action
        System.IDisposable: Dispose
        nanoFramework.Runtime.Native.Power: RebootDevice
        System.Reflection.AssemblyNativeVersionAttribute: .ctor
        """);

    private static IReadOnlyList<Violation> Check(string body, string usings = "using System;") =>
        new PortabilityGuard(Allow).Check([new SourceFile("Sample.cs", usings + "\nnamespace Sample {\n" + body + "\n}")]);

    private static void AssertCaught(string rule, string body, string usings = "using System;")
    {
        var violations = Check(body, usings);
        Assert.True(violations.Any(v => v.Rule == rule), $"expected a '{rule}' violation, got: [{string.Join("; ", violations)}]");
    }

    [Fact]
    public void AllowedCode_HasNoViolation()
    {
        var violations = Check("""
            public sealed class Ok : IDisposable
            {
                private readonly System.Collections.ArrayList _items = new System.Collections.ArrayList();
                public int Count { get { return _items.Count; } }
                public string First(string s) { _items.Add(s); return s.Substring(0, s.IndexOf("x")) + _items[0] + 3.ToString(); }
                public DateTime When() { return DateTime.UtcNow; }
                public void Fail() { throw new ArgumentException("bad"); }
                public void Run(Action a) { a(); }
                public void Dispose() { }
            }
            """);
        Assert.Empty(violations);
    }

    [Theory]
    [InlineData("generic class", "public class Box<T> { }")]
    [InlineData("generic method declaration", "public class C { public void M<T>(T t) { } }")]
    [InlineData("generic type use", "public class C { System.Collections.Generic.List<int> l; }")]
    [InlineData("generic method call", "public class C { public object M() { return Array.Empty<int>(); } }")]
    [InlineData("inferred generic method call", "public class C { public void M(int[] a) { Array.Reverse(a, 0, 1); Array.Sort(a); System.Threading.Interlocked.Exchange(ref a, a); } }")]
    [InlineData("var hiding a generic", "public class C { public void M() { var d = System.Environment.GetEnvironmentVariables(); var k = System.AppContext.GetData(\"x\"); var t = System.Tuple.Create(1); } }")]
    [InlineData("lambda converted to Func", "public class C { public void M(System.Collections.ArrayList l) { System.Func<int> f = () => 1; } }")]
    [InlineData("nullable value type", "public class C { public int? X; }")]
    [InlineData("generic interface implementation", "public class C : IComparable<C> { public int CompareTo(C other) { return 0; } }")]
    public void Generics_AreCaught(string what, string code)
    {
        Assert.False(string.IsNullOrEmpty(what));
        AssertCaught("generics", code);
    }

    [Theory]
    [InlineData("public class C { public void M(Action<int> a) { a(1); } }")]
    [InlineData("public class C { public event EventHandler<EventArgs> Changed; }")]
    [InlineData("public class C { public void M() { Func<int, int> f = delegate (int x) { return x; }; } }")]
    [InlineData("public class C { public void M() { Predicate<string> p = null; } }")]
    public void GenericDelegatesOfTheRealMscorlib_AreCaught(string code)
    {
        // mscorlib 1.17.11 declares Action<T>, Func<...>, EventHandler<T> and friends, so the compiler
        // (Firmware/MscorlibBuild) accepts them; the 1.x runtime cannot load a generic instantiation.
        var violations = new PortabilityGuard(ApiAllowList.LoadForDevice())
            .Check([new SourceFile("Sample.cs", "using System;\nnamespace Sample {\n" + code + "\n}")]);
        Assert.True(violations.Any(v => v.Rule == "generics"), $"expected a 'generics' violation, got: [{string.Join("; ", violations)}]");
    }

    [Theory]
    [InlineData("public class C { public int M(int a, int b) { return checked(a + b); } }")]
    [InlineData("public class C { public int M(int a, int b) { checked { return a * b; } } }")]
    public void CheckedArithmetic_IsCaught(string code) => AssertCaught("checked", code);

    [Fact]
    public void UncheckedArithmetic_IsAllowed() =>
        Assert.Empty(Check("public class C { public int M(int a, int b) { return unchecked(a + b); } }"));

    [Fact]
    public void Linq_QuerySyntax_IsCaught() =>
        AssertCaught("linq", "public class C { public object M(int[] a) { return from x in a select x; } }", "using System; using System.Linq;");

    [Fact]
    public void Linq_UsingDirective_IsCaught() =>
        AssertCaught("linq", "public class C { }", "using System.Linq;");

    [Fact]
    public void Linq_ExtensionMethodCall_IsCaught() =>
        AssertCaught("linq", "public class C { public int M(int[] a) { return System.Linq.Enumerable.Count(a); } }");

    [Fact]
    public void Async_Method_IsCaught() =>
        AssertCaught("async", "public class C { public async void M() { } }");

    [Fact]
    public void Await_IsCaught() =>
        AssertCaught("async", "public class C { public async System.Threading.Tasks.Task M() { await System.Threading.Tasks.Task.Delay(1); } }");

    [Fact]
    public void Task_IsCaught() =>
        AssertCaught("async", "public class C { public object M() { return System.Threading.Tasks.Task.CompletedTask; } }");

    [Fact]
    public void Iterator_IsCaught() =>
        AssertCaught("iterator", "public class C { public System.Collections.IEnumerable M() { yield return 1; } }");

    [Fact]
    public void Span_IsCaught() =>
        AssertCaught("span", "public class C { public void M(byte[] b) { Span<byte> s = b; } }");

    [Fact]
    public void ReadOnlyMemory_IsCaught() =>
        AssertCaught("span", "public class C { public void M(ReadOnlyMemory<byte> m) { } }");

    [Fact]
    public void Stackalloc_IsCaught() =>
        AssertCaught("span", "public class C { public unsafe void M() { byte* p = stackalloc byte[4]; } }");

    [Fact]
    public void Dynamic_IsCaught() =>
        AssertCaught("dynamic", "public class C { public void M(dynamic d) { d.Foo(); } }");

    [Fact]
    public void Record_IsCaught() =>
        AssertCaught("record", "public record Point(int X, int Y);");

    [Fact]
    public void RecordStruct_IsCaught() =>
        AssertCaught("record", "public record struct Point(int X, int Y);");

    [Fact]
    public void Tuple_IsCaught() =>
        AssertCaught("tuple", "public class C { public (int, int) M() { return (1, 2); } }");

    [Fact]
    public void DotNetApiNotOnTheAllowList_IsCaught()
    {
        var violations = Check("public class C { public string M() { return System.IO.File.ReadAllText(\"x\"); } }");
        Assert.Contains(violations, v => v.Rule == "api" && v.Message.Contains("System.IO.File"));
    }

    [Fact]
    public void MemberNotOnTheAllowList_IsCaught_EvenOnAnAllowedType()
    {
        var violations = Check("public class C { public string M(string s) { return s.ToUpperInvariant(); } }");
        Assert.Contains(violations, v => v.Rule == "api" && v.Message.StartsWith("System.String.ToUpperInvariant", StringComparison.Ordinal));
    }

    [Fact]
    public void DateTimeNow_IsCaught_WithAHint()
    {
        var violations = Check("public class C { public DateTime M() { return DateTime.Now; } }");
        Assert.Contains(violations, v => v.Message.Contains("only DateTime.UtcNow"));
    }

    [Fact]
    public void NanoFrameworkOnlyApi_OnTheAllowList_Passes() =>
        Assert.Empty(Check("public class C { public void M() { Power.RebootDevice(); } }", "using nanoFramework.Runtime.Native;"));

    [Fact]
    public void NanoFrameworkOnlyAttribute_WrittenWithoutItsSuffix_Passes() =>
        // [AssemblyNativeVersion(...)] names mscorlib's AssemblyNativeVersionAttribute, which .NET does not have
        Assert.Empty(Check("public class C { }", "using System.Reflection;\n[assembly: AssemblyNativeVersion(\"1.0.0.0\")]"));

    [Fact]
    public void UnknownAttribute_IsCaught()
    {
        var violations = Check("public class C { }", "using System.Reflection;\n[assembly: AssemblyFrobnicate(\"1\")]");
        Assert.Contains(violations, v => v.Rule == "api" && v.Message.Contains("AssemblyFrobnicate"));
    }

    [Fact]
    public void NanoFrameworkOnlyApi_UnknownMember_IsCaught()
    {
        var violations = Check("public class C { public void M() { Power.Shutdown(); } }", "using nanoFramework.Runtime.Native;");
        Assert.Contains(violations, v => v.Rule == "api" && v.Message.Contains("nanoFramework.Runtime.Native.Power.Shutdown"));
    }

    [Fact]
    public void UnknownType_IsCaught()
    {
        var violations = Check("public class C { public void M() { var x = new Frobnicator(); } }", "using nanoFramework.Runtime.Native;");
        Assert.Contains(violations, v => v.Rule == "api" && v.Message.Contains("Frobnicator"));
    }

    [Fact]
    public void ViolationsNameFileAndLine()
    {
        var v = Check("public class C {\n public async void M() { }\n}").Single(x => x.Rule == "async");
        Assert.Equal("Sample.cs", v.File);
        Assert.Equal(4, v.Line);
    }
}
