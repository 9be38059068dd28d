/**
 * 自定义隐私授权弹窗（基础库 2.32.3 起）。
 *
 * 用户还没同意隐私保护指引时，点手机号按钮、选头像、填微信昵称都会先触发 wx.onNeedPrivacyAuthorization：
 * 原来的接口或组件挂起，等这里调用 resolve。同意 → 原操作继续；拒绝 → 原操作以
 * "privacy permission is not authorized" 失败。
 *
 * wx.onNeedPrivacyAuthorization 是覆盖式注册（只有最后一次生效），所以每个页面显示时由它自己的弹窗重新注册。
 */
const AGREE_BUTTON_ID = 'privacy-agree';

Component({
  data: {
    show: false,
    contractName: '《小程序隐私保护指引》',
  },

  lifetimes: {
    attached() {
      this.listen();
      if (typeof wx.getPrivacySetting === 'function') {
        wx.getPrivacySetting({
          success: (res) => {
            if (res.privacyContractName) this.setData({ contractName: res.privacyContractName });
          },
        });
      }
    },
    detached() {
      // 页面关了还挂着的授权请求，按拒绝处理，免得原接口一直 pending
      this.settle({ event: 'disagree' });
    },
  },

  pageLifetimes: {
    show() {
      this.listen();
    },
  },

  methods: {
    listen() {
      if (typeof wx.onNeedPrivacyAuthorization !== 'function') return; // 基础库低于 2.32.3：没有这套机制
      wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
        // 上一个还没答复的请求（很少见）先按拒绝结束，只留最新的
        this.settle({ event: 'disagree' });
        this.pendingResolve = resolve;
        this.setData({ show: true, referrer: (eventInfo && eventInfo.referrer) || '' });
      });
    },

    settle(answer) {
      const resolve = this.pendingResolve;
      this.pendingResolve = null;
      if (typeof resolve === 'function') resolve(answer);
    },

    onOpenContract() {
      wx.openPrivacyContract({});
    },

    // <button open-type="agreePrivacyAuthorization"> 被点后才调 resolve：基础库会核对这个按钮确实被点过
    onAgree() {
      this.setData({ show: false });
      this.settle({ buttonId: AGREE_BUTTON_ID, event: 'agree' });
      this.triggerEvent('agree');
    },

    onDisagree() {
      this.setData({ show: false });
      this.settle({ event: 'disagree' });
      this.triggerEvent('disagree');
    },
  },
});
