/**
 * 首页：登录状态（登录中 / 已登录 / 出错）和手机号绑定。
 * 不调用 wx.login：登录只在 App.onLaunch 的 client.ready() 里发生，这里只等它的结果。
 */
const { client, messageOf } = require('../../wxlogin');

Component({
  data: {
    state: 'loading', // loading | ready | error | signedOut
    user: null,
    errorText: '',
    phoneBusy: false,
    phoneMessage: '',
    phoneMessageClass: '',
  },

  lifetimes: {
    attached() {
      // 其他页面改了资料、SDK 刷新了会话，这里跟着更新
      this.unsubscribe = client.onChange((user) => {
        if (user) this.setData({ state: 'ready', user: user });
        else this.setData({ state: 'signedOut', user: null });
      });
      this.waitForLogin();
    },
    detached() {
      if (this.unsubscribe) this.unsubscribe();
    },
  },

  methods: {
    waitForLogin() {
      this.setData({ state: 'loading', errorText: '' });
      client.ready().then(
        (user) => this.setData({ state: 'ready', user: user }),
        (error) => this.setData({ state: 'error', errorText: messageOf(error, '登录失败，请稍后重试') }),
      );
    },

    onRetry() {
      this.waitForLogin();
    },

    // <button open-type="getPhoneNumber">：detail 原样交给 SDK。用户拒绝、额度用完由 SDK 判断，不发请求
    onGetPhoneNumber(e) {
      if (this.data.phoneBusy) return;
      this.setData({ phoneBusy: true, phoneMessage: '' });
      client.bindPhone(e.detail).then(
        (user) => {
          this.setData({
            user: user,
            phoneBusy: false,
            phoneMessage: '已绑定手机号 ' + user.phone,
            phoneMessageClass: 'ok',
          });
        },
        (error) => {
          // WECHAT_SESSION_STALE：SDK 已重新登录，提示用户再点一次（同一次的 code 不能重放）
          this.setData({
            phoneBusy: false,
            phoneMessage: messageOf(error, '绑定手机号失败，请重试'),
            phoneMessageClass: 'error',
          });
        },
      );
    },

    onOpenProfile() {
      wx.navigateTo({ url: '/pages/profile/profile' });
    },
  },
});
