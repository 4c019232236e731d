-- One database per subgraph: each service owns its data (the record's "database per service").
CREATE DATABASE product_db;
CREATE DATABASE inventory_db;
CREATE DATABASE cart_db;
CREATE DATABASE order_db;
CREATE DATABASE payment_db;
CREATE DATABASE checkout_db;
CREATE DATABASE analytics_db;
CREATE DATABASE email_db;
