const { client } = require('./wxlogin');

App({
  onLaunch() {
    // 整个小程序唯一的登录入口：本地已有会话就直接用，没有才 wx.login → wxlogin 服务。
    // 页面不调用 wx.login，只 await client.ready()；失败由页面显示（这里只记日志，免得出现未处理的 rejection）。
    client.ready().catch(function (error) {
      console.warn('[wxlogin] 登录失败', error && error.code, error && error.message);
    });
  },
});
