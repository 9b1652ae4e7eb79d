/** Top-level keywords keepalived 2.2.7 accepts that the model does not describe (kept in `unknown`, info). */
export const TOP_KNOWN_UNMODELED = new Set([
  'virtual_server', 'virtual_server_group', 'static_ipaddress', 'static_routes', 'static_rules', 'garp_group', 'bfd_instance',
  'linkbeat_interfaces', 'net_namespace', 'net_namespace_ipvs', 'instance', 'use_pid_dir', 'namespace_with_ipsets', 'vrrp_track_process',
]);
/** The top-level blocks, for did-you-mean hints on unknown ones. */
export const TOP_BLOCKS = ['global_defs', 'vrrp_script', 'vrrp_instance', 'vrrp_sync_group', 'track_process', 'vrrp_track_process', 'track_file', 'vrrp_track_file', 'virtual_server', 'virtual_server_group', 'static_ipaddress', 'static_routes', 'garp_group', 'bfd_instance'];

/** `global_defs` keywords keepalived 2.2.7 accepts that the model does not describe. */
export const GLOBAL_KNOWN = new Set([
  'notification_email', 'notification_email_from', 'smtp_server', 'smtp_helo_name', 'smtp_connect_timeout', 'smtp_alert',
  'smtp_alert_vrrp', 'smtp_alert_checker', 'checker_log_all_failures', 'no_email_faults', 'lvs_timeouts', 'lvs_sync_daemon',
  'lvs_flush', 'lvs_flush_on_stop', 'vrrp_mcast_group4', 'vrrp_mcast_group6', 'default_interface', 'vrrp_garp_master_delay',
  'vrrp_garp_master_repeat', 'vrrp_garp_lower_prio_delay', 'vrrp_garp_lower_prio_repeat', 'vrrp_garp_master_refresh',
  'vrrp_garp_master_refresh_repeat', 'vrrp_garp_interval', 'vrrp_gna_interval', 'vrrp_min_garp', 'vrrp_lower_prio_no_advert',
  'vrrp_higher_prio_send_advert', 'vrrp_iptables', 'vrrp_ipsets', 'nftables', 'nftables_priority', 'nftables_ifindex',
  'nftables_counters', 'vrrp_check_unicast_src', 'vrrp_skip_check_adv_addr', 'vrrp_priority', 'checker_priority',
  'bfd_priority', 'vrrp_no_swap', 'checker_no_swap', 'bfd_no_swap', 'vrrp_rt_priority', 'checker_rt_priority',
  'bfd_rt_priority', 'vrrp_rlimit_rttime', 'checker_rlimit_rttime', 'bfd_rlimit_rttime', 'snmp_socket', 'enable_snmp_vrrp',
  'enable_snmp_keepalived', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_snmp_checker',
  'enable_dbus', 'dbus_service_name', 'notify_fifo', 'notify_fifo_script', 'vrrp_notify_fifo', 'vrrp_notify_fifo_script',
  'lvs_notify_fifo', 'lvs_notify_fifo_script', 'vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_force',
  'vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force',
  'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force', 'process_monitor_rcv_bufs', 'process_monitor_rcv_bufs_force',
  'rs_init_notifies', 'no_checker_emails', 'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier', 'vrrp_startup_delay',
  'log_unknown_vrids', 'dynamic_interfaces', 'umask', 'instance', 'child_wait_time', 'script_group', 'max_auto_priority',
  'min_auto_priority_delay', 'vrrp_garp_extra_if', 'vrrp_owner_ignore_preempt', 'vrrp_strict', 'script_user', 'router_id',
  'enable_script_security', 'vrrp_version', 'include_check', 'reload_time_file', 'reload_repeat', 'reload_file',
  'data_use_instance', 'fifo_write_vrrp_states_on_reload', 'vrrp_symlinks', 'no_add_default_route', 'random_seed',
  'vrrp_socket_priority', 'vrrp_iptables_dont_flush', 'vrrp_ipsets_dont_flush', 'checker_process_name', 'vrrp_process_name',
  'bfd_process_name', 'process_names', 'process_name', 'linkbeat_use_polling', 'net_namespace', 'namespace_with_ipsets',
  'use_pid_dir', 'vrrp_cpu_affinity', 'checker_cpu_affinity', 'bfd_cpu_affinity', 'vrrp_track_process_default_weight',
]);

/** `vrrp_instance` keywords keepalived 2.2.7 accepts that the model does not describe. */
export const INSTANCE_KNOWN = new Set([
  'use_vmac', 'use_vmac_addr', 'vmac_xmit_base', 'use_ipvlan', 'native_ipv6', 'dont_track_primary', 'track_bfd', 'mcast_src_ip',
  'mcast_dst_ip', 'track_src_ip', 'check_unicast_src', 'unicast_fault_no_peer', 'unicast_ttl', 'old_unicast_checksum',
  'garp_master_delay', 'garp_master_repeat', 'garp_lower_prio_delay', 'garp_lower_prio_repeat', 'garp_master_refresh',
  'garp_master_refresh_repeat', 'garp_extra_if', 'lower_prio_no_advert', 'higher_prio_send_advert', 'kernel_rx_buf_size',
  'virtual_routes', 'virtual_rules', 'accept', 'no_accept', 'skip_check_adv_addr', 'strict_mode', 'notify_master',
  'notify_backup', 'notify_fault', 'notify_stop', 'notify_deleted', 'notify', 'notify_master_rx_lower_pri',
  'notify_priority_changes', 'smtp_alert', 'global_tracking', 'sync_group_tracking_weight', 'linkbeat_use_polling',
  'vrf', 'debug', 'preempt', 'track_group', 'dont_track_primary', 'vrrp_startup_delay',
]);
