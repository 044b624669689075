using Xunit;

namespace Firmware.Portability;

/// <summary>The API read from nanoFramework's real mscorlib.dll is what the device really has.</summary>
public class MscorlibApiTests
{
    private static readonly ApiAllowList Api = Read();

    private static ApiAllowList Read()
    {
        var list = ApiAllowList.Parse("", "empty");
        MscorlibApi.AddTo(list, MscorlibApi.DefaultPath);
        return list;
    }

    [Theory]
    [InlineData("System.String", "Substring")]
    [InlineData("System.String", "this[]")]
    [InlineData("System.String", "op_Equality")]
    [InlineData("System.DateTime", "UtcNow")]
    [InlineData("System.Exception", ".ctor")]
    [InlineData("System.Collections.ArrayList", "Add")]
    [InlineData("System.Convert", "ToBase64String")]
    [InlineData("System.EventArgs", "Empty")]
    public void HasWhatNanoFrameworkHas(string type, string member) =>
        Assert.True(Api.AllowsMember(type, member), $"{type}.{member} should be in nanoFramework's mscorlib 1.x");

    [Theory]
    [InlineData("System.String", "Join")]
    [InlineData("System.Array", "Empty")]
    [InlineData("System.DateTime", "Now")]
    [InlineData("System.String", "Create")]
    public void LacksWhatOnlyDotNetHas(string type, string member) =>
        Assert.False(Api.AllowsMember(type, member), $"{type}.{member} is not in nanoFramework's mscorlib 1.x");

    [Theory]
    [InlineData("System.Math")]
    [InlineData("System.Collections.Generic.List")]
    [InlineData("System.Collections.Hashtable")] // a separate package (nanoFramework.System.Collections)
    [InlineData("System.Text.StringBuilder")]    // a separate package (nanoFramework.System.Text)
    [InlineData("System.Threading.Tasks.Task")]
    public void LacksTypesOfOtherPackagesOrOfDotNet(string type) =>
        Assert.False(Api.AllowsType(type), $"{type} is not in nanoFramework's mscorlib 1.x");
}
